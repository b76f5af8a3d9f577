/// <reference lib="dom" />
// The leaders' dashboard's script, run in the browser: it polls the dashboard data, re-renders when the
// version (a digest of every period's head) changes, and posts acknowledgements to the alert lifecycle's
// acknowledge route. It is written here so it is type-checked, and sent inline as its own source text
// (`dashboardClient.toString()`): it must stay self-contained — no imports, no module-level helpers.

export interface DashboardClientConfig {
  /** Relative to the page: `dashboard/data`. */
  dataPath: string;
  /** Relative to the page, `{id}` for the notification: `notifications/{id}/ack`. */
  ackPath: string;
  pollMs: number;
  periods: number;
}

export function dashboardClient(config: DashboardClientConfig): void {
  type Text = { zh: string; en: string };
  type Row = { entity: string; name: Text; rank: number | null; tied: boolean; score: number | null };
  type Notice = {
    id: string;
    status: string;
    level: number;
    version: number;
    severity: string;
    severityName: Text;
    period: string;
    text: Text;
    owner?: string;
    openedAt: string;
    acknowledged?: { by: string; at: string; note?: string };
  };
  type Data = {
    scheme: { id: string; version: string | null; name: Text };
    caller: { kind: string; department?: string };
    canAcknowledge: boolean;
    version: string;
    head: { period: string; seq: number; hash: string; recordedAt: string } | null;
    changed: boolean;
    period: string | null;
    ranking?: Row[];
    focus?: {
      entity: string;
      name: Text;
      rank: number | null;
      tied: boolean;
      score: number | null;
      position: 'behind' | 'first' | 'unranked';
      versus: { entity: string; name: Text; score: number | null } | null;
      scoreGap: number;
    } | null;
    notifications: Notice[];
    bulletins: { configured: boolean; items: { key: string; period: string; kind: string }[] };
    charts?: Record<string, string>;
  };

  const doc = document;
  const $ = (selector: string) => doc.querySelector(selector) as HTMLElement;
  const el = (tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]) => {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.append(...children);
    return e;
  };
  /** Chinese first, English beside, as the bulletins write it. */
  const both = (t: Text) =>
    el('span', { class: 'both' }, el('span', { class: 'zh' }, t.zh), ' ', el('span', { class: 'en' }, t.en));
  /** A stored time in the browser's zone, to the minute. */
  const when = (iso: string) =>
    new Date(iso).toLocaleString('zh-CN', { hour12: false, dateStyle: 'short', timeStyle: 'short' });
  const fixed = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));
  const KINDS: Record<string, Text> = {
    weekly: { zh: '周分析', en: 'weekly analysis' },
    monthly: { zh: '月通报', en: 'monthly bulletin' },
  };
  const STATUS: Record<string, Text> = {
    open: { zh: '待处理', en: 'open' },
    acknowledged: { zh: '已确认', en: 'acknowledged' },
    escalated: { zh: '已提级', en: 'escalated' },
  };

  let version = '';
  let alertsSignature = '';
  let last: Data | undefined;

  function setStatus(text: Text, bad = false) {
    const s = $('[data-role="status"]');
    s.replaceChildren(both(text));
    s.className = bad ? 'bad' : 'ok';
  }

  function renderHeader(d: Data) {
    $('[data-role="scheme"]').replaceChildren(
      both(d.scheme.name),
      ` · ${d.scheme.id}${d.scheme.version ? ` · 版本 version ${d.scheme.version}` : ''}`,
    );
    $('[data-role="period"]').textContent = d.period ?? '—';
    $('[data-role="head"]').textContent = d.head ? `#${d.head.seq} ${d.head.hash.slice(0, 12)}` : '—';
    const who: Record<string, Text> = {
      leader: { zh: '领导', en: 'leader' },
      auditor: { zh: '审计（只读）', en: 'auditor (read only)' },
      department: { zh: `部门 ${d.caller.department ?? ''}`, en: `department ${d.caller.department ?? ''}` },
    };
    $('[data-role="caller"]').replaceChildren(
      both({ zh: '当前身份', en: 'signed as' }),
      '：',
      both(who[d.caller.kind] ?? { zh: d.caller.kind, en: d.caller.kind }),
    );
    doc.body.dataset.version = d.version;
    doc.body.dataset.headHash = d.head?.hash ?? '';
  }

  function renderRanking(d: Data) {
    const body = $('table[data-role="ranking"] tbody');
    const focus = d.focus?.entity;
    const ranked = (d.ranking ?? []).filter((r) => r.rank !== null);
    body.replaceChildren(
      ...ranked.map((r) =>
        el(
          'tr',
          {
            'data-entity': r.entity,
            'data-rank': String(r.rank),
            ...(r.tied ? { 'data-tied': 'true' } : {}),
            ...(r.entity === focus ? { class: 'focus' } : {}),
          },
          el('td', { class: 'rank' }, String(r.rank), r.tied ? el('small', {}, ' 并列 tied') : ''),
          el('td', {}, both(r.name)),
          el('td', { class: 'num' }, fixed(r.score)),
        ),
      ),
    );
    const unranked = (d.ranking ?? []).filter((r) => r.rank === null);
    $('[data-role="unranked"]').replaceChildren(
      ...(unranked.length
        ? [both({ zh: '未排名', en: 'unranked' }), '：', unranked.map((r) => r.name.zh).join('、')]
        : []),
    );
  }

  function renderFocus(d: Data) {
    const g = d.focus;
    const box = $('[data-role="gap"]');
    if (!g) {
      box.replaceChildren(both({ zh: '暂无数据', en: 'no data yet' }));
      return;
    }
    box.dataset.entity = g.entity;
    box.dataset.rank = String(g.rank ?? '');
    box.dataset.gap = String(g.scoreGap);
    const v = g.versus;
    const line: Text =
      g.position === 'behind'
        ? {
            zh: `${g.name.zh} 第${g.rank}名${g.tied ? '（并列）' : ''}，与第一名${v ? `（${v.name.zh}）` : ''}差距 ${fixed(g.scoreGap)} 分`,
            en: `${g.name.en} is ${g.rank}${g.tied ? ' (tied)' : ''}, ${fixed(g.scoreGap)} points behind first${v ? ` (${v.name.en})` : ''}`,
          }
        : g.position === 'first'
          ? {
              zh: `${g.name.zh} 第1名${g.tied ? '（并列）' : ''}，领先第二名${v ? `（${v.name.zh}）` : ''} ${fixed(g.scoreGap)} 分`,
              en: `${g.name.en} is first${g.tied ? ' (tied)' : ''}, ${fixed(g.scoreGap)} points ahead of second${v ? ` (${v.name.en})` : ''}`,
            }
          : { zh: `${g.name.zh} 未排名`, en: `${g.name.en} is not ranked` };
    box.replaceChildren(el('p', { class: 'headline' }, line.zh), el('p', { class: 'en' }, line.en));
  }

  function renderCharts(d: Data) {
    for (const fig of Array.from(doc.querySelectorAll('figure[data-chart]'))) {
      const svg = d.charts?.[fig.getAttribute('data-chart') ?? ''];
      fig.querySelector(':scope > svg')?.remove();
      fig.querySelector(':scope > .empty')?.remove();
      if (svg) fig.insertAdjacentHTML('beforeend', svg);
      else fig.append(el('p', { class: 'empty' }, both({ zh: '暂无数据', en: 'no data' })));
    }
  }

  /** The last answer to an acknowledgement from this page, per notification: kept across re-renders. */
  const answers = new Map<string, { status: number; text: Text }>();

  function answerLine(id: string): HTMLElement {
    const a = answers.get(id);
    const p = el('p', { 'data-role': 'ack-result' });
    if (a) {
      p.dataset.status = String(a.status);
      p.className = a.status === 200 ? 'ok' : 'bad';
      p.append(both(a.text));
    }
    return p;
  }

  function ackForm(n: Notice): HTMLElement {
    const by = el('input', { name: 'by', required: '', maxlength: '100', placeholder: '确认人 your name' });
    const note = el('input', { name: 'note', maxlength: '1000', placeholder: '备注（可选）note (optional)' });
    const form = el(
      'form',
      { 'data-role': 'ack' },
      by,
      note,
      el('button', { type: 'submit' }, '确认 Acknowledge'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = (by as HTMLInputElement).value.trim();
      const text = (note as HTMLInputElement).value.trim();
      if (!name) show(n.id, 0, { zh: '请填写确认人', en: 'give your name' });
      else void acknowledge(n.id, { by: name, ...(text ? { note: text } : {}) });
    });
    return form;
  }

  function show(id: string, status: number, text: Text) {
    answers.set(id, { status, text });
    doc.querySelector(`[data-notification="${id}"] [data-role="ack-result"]`)?.replaceWith(answerLine(id));
  }

  async function acknowledge(id: string, body: { by: string; note?: string }) {
    show(id, 0, { zh: '提交中…', en: 'sending…' });
    try {
      const res = await fetch(new URL(config.ackPath.replace('{id}', id), location.href), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json().catch(() => ({}))) as { message?: Text };
      show(
        id,
        res.status,
        res.ok
          ? { zh: `已确认（${body.by}）`, en: `acknowledged (${body.by})` }
          : (answer.message ?? { zh: `确认失败（HTTP ${res.status}）`, en: `refused (HTTP ${res.status})` }),
      );
    } catch (e) {
      show(id, 0, { zh: '网络错误', en: `network error: ${String(e)}` });
    }
    // The state now stored — ours, or whoever was first — without waiting for the next poll.
    await poll();
  }

  function renderAlerts(d: Data) {
    const signature = `${d.canAcknowledge}|${d.notifications.map((n) => `${n.id}:${n.version}`).join(',')}`;
    if (signature === alertsSignature) return;
    alertsSignature = signature;
    const list = $('[data-role="alerts"]');
    $('[data-role="alert-count"]').textContent = String(
      d.notifications.filter((n) => n.status !== 'acknowledged').length,
    );
    if (d.notifications.length === 0) {
      list.replaceChildren(
        el('li', { class: 'empty' }, both({ zh: '没有待处理的预警', en: 'no open alerts' })),
      );
      return;
    }
    list.replaceChildren(
      ...d.notifications.map((n) => {
        const status = STATUS[n.status] ?? { zh: n.status, en: n.status };
        const state = el(
          'span',
          { class: `status ${n.status}`, 'data-role': 'state' },
          both(status),
          n.status === 'escalated' ? ` L${n.level}` : '',
        );
        const detail = n.acknowledged
          ? el(
              'p',
              { class: 'ack' },
              both({
                zh: `${n.acknowledged.by} 于 ${when(n.acknowledged.at)} 确认`,
                en: `by ${n.acknowledged.by} at ${when(n.acknowledged.at)}`,
              }),
              n.acknowledged.note ? ` — ${n.acknowledged.note}` : '',
            )
          : '';
        return el(
          'li',
          {
            'data-notification': n.id,
            'data-status': n.status,
            ...(n.owner ? { 'data-owner': n.owner } : {}),
            class: `sev-${n.severity}`,
          },
          el('p', {}, state, ' ', el('span', { class: 'zh' }, n.text.zh)),
          el('p', { class: 'en' }, n.text.en, n.owner ? ` · owner ${n.owner}` : ''),
          detail,
          d.canAcknowledge && n.status !== 'acknowledged' ? ackForm(n) : '',
          answerLine(n.id),
        );
      }),
    );
  }

  function renderBulletins(d: Data) {
    const list = $('[data-role="bulletins"]');
    if (d.bulletins.items.length === 0) {
      list.replaceChildren(
        el(
          'li',
          { class: 'empty' },
          both(
            d.bulletins.configured
              ? { zh: '暂无通报', en: 'no bulletins yet' }
              : { zh: '暂无通报（未配置通报存储桶）', en: 'no bulletins (no bulletin bucket configured)' },
          ),
        ),
      );
      return;
    }
    list.replaceChildren(
      ...d.bulletins.items.map((b) =>
        el('li', { 'data-key': b.key }, `${b.period} `, both(KINDS[b.kind] ?? { zh: b.kind, en: b.kind })),
      ),
    );
  }

  function render(d: Data) {
    if (d.changed) {
      last = d;
      version = d.version;
      renderHeader(d);
      renderRanking(d);
      renderFocus(d);
      renderCharts(d);
    } else if (last) renderHeader({ ...last, caller: d.caller });
    renderAlerts(d);
    renderBulletins(d);
    $('[data-role="updated"]').textContent = new Date().toLocaleTimeString('zh-CN', { hour12: false });
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** One poll, then the next one `pollMs` later (an acknowledgement polls at once and restarts the wait). */
  async function poll() {
    if (timer !== undefined) clearTimeout(timer);
    try {
      const url = new URL(config.dataPath, location.href);
      url.searchParams.set('periods', String(config.periods));
      if (version) url.searchParams.set('since', version);
      const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
      const d = (await res.json()) as Data & { message?: Text };
      if (!res.ok) setStatus(d.message ?? { zh: `HTTP ${res.status}`, en: `HTTP ${res.status}` }, true);
      else {
        render(d);
        setStatus({ zh: '实时', en: 'live' });
      }
    } catch (e) {
      setStatus({ zh: '连接中断，稍后重试', en: `connection lost, retrying: ${String(e)}` }, true);
    }
    timer = setTimeout(() => void poll(), config.pollMs);
  }

  void poll();
}
