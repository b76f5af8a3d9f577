/// <reference lib="dom" />
// The leaders' dashboard in Debian's headless Chromium, through the signing proxy, over the Gansu scenario:
// the 26 weeks delivered to the ingest and relay handlers over DynamoDB Local (test/support/pipeline.ts), the
// query function's handler behind the local HTTP API with SigV4 checked for the local principals' keys, and
// `rankwatch dashboard`'s proxy signing as the leader (and as a department). The page shows the stored
// ranking, charts with data marks and CJK glyphs; an acknowledgement changes the state and a second one is
// told who was first; a newly published value shows up within the poll interval.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../bulletin/browser.ts';
import { FONT_STACK } from '../../bulletin/charts.ts';
import { type DashboardProxy, signedForward, startDashboardProxy } from '../../cli/commands/dashboard.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { INDICATOR_VALUE_REPORTED } from '../../events/index.ts';
import { dashboardHandler } from '../../functions/dashboard.ts';
import { queryHandler } from '../../functions/query.ts';
import { API_ROUTES } from '../../functions/query-routes.ts';
import { parseCallerRoles } from '../../functions/shared/alert-routes.ts';
import { NotificationStore } from '../../functions/shared/notification-store.ts';
import { rankingRows } from '../../functions/shared/ranking-rows.ts';
import { AuditedReader } from '../../functions/shared/verification.ts';
import type { LocalServer } from '../../local/aws-json-server.ts';
import { startHttpApiServer } from '../../local/http-api.ts';
import {
  AUDITOR_CREDENTIALS,
  authenticate,
  type Credentials,
  departmentCredentials,
  LEADER_CREDENTIALS,
  type LocalPrincipal,
  type LocalPrincipals,
} from '../../local/principals.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.ts';
import {
  createPipeline,
  departmentEvents,
  envelope,
  finalSnapshots,
  type Pipeline,
  uuidOf,
} from '../support/pipeline.ts';

const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const POLL_SECONDS = 1;
const ACCOUNT = '000000000000';

const departments = (scheme.departments ?? []).map((d) => d.id);

/** The principals this API knows, each with the role its key stands for (as local/principals.ts defines them). */
function principals(): LocalPrincipals {
  const all: LocalPrincipal[] = [
    ['leader', 'Leader', LEADER_CREDENTIALS],
    ['auditor', 'Auditor', AUDITOR_CREDENTIALS],
    ...departments.map((d) => ['department', `PublisherRole-${d}`, departmentCredentials(d)]),
  ].map(([kind, role, c]) => ({
    kind: kind as LocalPrincipal['kind'],
    name: String(kind),
    arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
    ...(c as Credentials),
    statements: [],
  }));
  return { security: undefined as never, all, byAccessKey: new Map(all.map((p) => [p.accessKeyId, p])) };
}
const callers = parseCallerRoles(
  JSON.stringify({
    Leader: 'leader',
    Auditor: 'auditor',
    ...Object.fromEntries(departments.map((d) => [`PublisherRole-${d}`, `department:${d}`])),
  }),
);

let dynamo: DynamoDbLocal;
let p: Pipeline;
let api: LocalServer;
let leaderProxy: DashboardProxy;
let departmentProxy: DashboardProxy;
/** The department with the most live notifications in the scenario (others may have none at the end). */
let department: string;
let browser: Browser;
let page: Page;
let shots: string;
const requests: string[] = [];

/** The ranked rows of the latest stored snapshot, read back through the store. */
async function storedRanking(): Promise<{ rows: [string, number][]; seq: number; hash: string }> {
  const finals = await finalSnapshots(p, scheme.id);
  const last = finals.at(-1)!;
  const head = (await p.store.allHeads(scheme.id)).find((h) => h.period === last.period)!;
  return {
    rows: rankingRows(last.body, false)
      .filter((r) => r.rank !== null)
      .map((r) => [r.entity, r.rank!]),
    seq: head.seq,
    hash: head.hash,
  };
}

async function open(proxy: DashboardProxy, poll = POLL_SECONDS): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  tab.on('request', (r) => {
    requests.push(r.url());
  });
  await tab.goto(`${proxy.pageUrl(scheme.id)}?poll=${poll}`, { waitUntil: 'load' });
  await tab.waitForSelector('table[data-role="ranking"] tr[data-entity]', { timeout: 20_000 });
  return tab;
}

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  p = await createPipeline(dynamo.endpoint, scheme, 'dashboard');
  const events = departmentEvents(scheme, generateObservations(), new Set());
  for (const period of [...new Set(events.map((e) => String(e.detail.period)))].sort())
    await p.deliver([events.filter((e) => e.detail.period === period)]);
  await p.relayAll();

  const store = new AuditedReader(p.store);
  const known = principals();
  const deps = {
    store,
    notifications: new NotificationStore(p.store.db, p.table),
    scheme: (id: string) => p.store.activeScheme(id),
    callers,
    log: () => {},
  };
  api = await startHttpApiServer({
    apiId: 'dashboard',
    routes: Object.values(API_ROUTES).map((r) => ({
      routeKey: `${r.method} ${r.path}`,
      authorizationType: 'AWS_IAM',
      // As the template integrates them: the dashboard's routes with the dashboard function, the rest with query.
      invoke: (event: unknown) =>
        r.path.includes('/dashboard')
          ? dashboardHandler(event as never, { ...deps, heads: (s: string) => p.store.allHeads(s) })
          : queryHandler(event as never, deps),
    })),
    // API Gateway's IAM authoriser for these keys: the signature checked with the SDK's signer.
    authorise: async (request) => {
      try {
        const who = await authenticate(known, { ...request, body: request.body.toString('utf8') });
        return { caller: { accessKey: who.accessKeyId, accountId: ACCOUNT, userArn: who.arn } };
      } catch (e) {
        return { refused: { status: 403, message: (e as Error).message } };
      }
    },
  });
  leaderProxy = await startDashboardProxy({
    forward: signedForward(LEADER_CREDENTIALS, 'us-east-1', api.url),
    port: 0,
    scheme: scheme.id,
  });
  const owners = (await new NotificationStore(p.store.db, p.table).list(scheme.id))
    .filter((s) => s.status === 'open' && s.notification.owner !== undefined)
    .map((s) => s.notification.owner!);
  department = [...new Set(owners)].sort(
    (a, b) => owners.filter((o) => o === b).length - owners.filter((o) => o === a).length,
  )[0]!;
  departmentProxy = await startDashboardProxy({
    forward: signedForward(departmentCredentials(department), 'us-east-1', api.url),
    port: 0,
    scheme: scheme.id,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  page = await open(leaderProxy);
  shots = mkdtempSync(join(tmpdir(), 'rankwatch-dashboard-'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await leaderProxy?.close();
  await departmentProxy?.close();
  await api?.close();
  await dynamo?.stop();
  if (shots && !process.env.RANKWATCH_KEEP_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
}, 60_000);

describe('the leaders’ dashboard in Chromium', { timeout: 60_000 }, () => {
  it('lists the 14 entities with the ranks of the stored snapshot, and names its head', async () => {
    const stored = await storedRanking();
    const rows = await page.$$eval('table[data-role="ranking"] tr[data-entity]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-entity'), Number(tr.getAttribute('data-rank'))]),
    );
    expect(rows).toHaveLength(14);
    expect(rows).toEqual(stored.rows);
    expect(await page.$eval('body', (b) => b.dataset.headHash)).toBe(stored.hash);
    expect(await page.textContent('[data-role="period"]')).toBe('2026-W26');
    // Chinese first, English beside.
    expect(await page.textContent('table[data-role="ranking"] tr[data-entity="lanzhou"]')).toContain(
      '兰州市 Lanzhou',
    );
  });

  it('draws data marks in the SVG of every chart', async () => {
    const charts = await page.$$eval('figure[data-chart]', (figs) =>
      figs.map((f) => ({
        kind: f.getAttribute('data-chart'),
        svg: f.querySelectorAll(':scope > svg').length,
        marks: [...f.querySelectorAll('svg [ecmeta_data_index]')].filter((el) => {
          const box = (el as SVGGraphicsElement).getBBox();
          return box.width > 0 && box.height > 0 && ['path', 'rect'].includes(el.tagName);
        }).length,
      })),
    );
    expect(charts.map((c) => c.kind)).toEqual(['trajectory', 'waterfall']);
    for (const c of charts) {
      expect(c.svg, c.kind!).toBe(1);
      expect(c.marks, c.kind!).toBeGreaterThan(0);
    }
    // Eight weeks of the focus entity's rank; the gap's contributions, the rest summed, and the total.
    expect(charts[0]!.marks).toBeGreaterThanOrEqual(8);
    expect(charts[1]!.marks).toBe(10);
    const gap = await page.$eval('[data-role="gap"]', (g) => ({
      entity: g.dataset.entity,
      text: g.textContent,
    }));
    expect(gap.entity).toBe('lanzhou');
    expect(gap.text).toContain('与第一名');
  });

  it('renders CJK glyphs, not tofu, in the page font', async () => {
    const glyphs = await page.evaluate((font) => {
      const canvas = document.createElement('canvas');
      canvas.width = 40;
      canvas.height = 40;
      const g = canvas.getContext('2d')!;
      const draw = (ch: string) => {
        g.clearRect(0, 0, 40, 40);
        g.font = `32px ${font}`;
        g.fillText(ch, 2, 32);
        return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
      };
      const tofu = draw('\uE000'); // private use: no font has it, so the missing glyph is drawn
      const name = document.querySelector('tr[data-entity="lanzhou"] .zh') as HTMLElement;
      const width = name.getBoundingClientRect().width;
      const probe = document.createElement('span');
      probe.style.fontSize = getComputedStyle(name).fontSize;
      document.body.append(probe);
      probe.style.fontFamily = 'monospace';
      probe.textContent = 'abc';
      const latin = probe.getBoundingClientRect().width;
      probe.remove();
      return {
        text: name.textContent,
        family: getComputedStyle(name).fontFamily,
        available: document.fonts.check(`16px ${font}`, '兰州市'),
        differFromTofu: draw('兰') !== tofu && draw('州') !== tofu,
        differFromEachOther: draw('兰') !== draw('州'),
        width,
        latin,
      };
    }, FONT_STACK);
    expect(glyphs.text).toBe('兰州市');
    expect(glyphs.family).toContain('Noto Sans CJK SC');
    expect(glyphs.available).toBe(true);
    expect(glyphs.differFromTofu).toBe(true);
    expect(glyphs.differFromEachOther).toBe(true);
    // Three full-width ideographs are wider than three half-width Latin letters at the same size.
    expect(glyphs.width).toBeGreaterThan(glyphs.latin * 1.5);
  });

  it('acknowledges an open alert from the page, and tells a second leader who was first', async () => {
    // A second leader's page, opened before the first acknowledges and not polling meanwhile.
    const stale = await open(leaderProxy, 300);
    const id = await page.$eval('[data-role="alerts"] li[data-status="open"]', (li) =>
      li.getAttribute('data-notification'),
    );
    expect(id).toMatch(/^N[0-9a-f]{20}$/);
    const item = `[data-notification="${id}"]`;
    await page.fill(`${item} input[name="by"]`, '王局长');
    await page.fill(`${item} input[name="note"]`, '已部署整改');
    await page.click(`${item} button[type="submit"]`);
    await page.waitForSelector(`${item}[data-status="acknowledged"]`, { timeout: 10_000 });
    expect(await page.textContent(`${item} [data-role="ack-result"]`)).toContain('已确认');
    expect(await page.textContent(`${item} .ack`)).toContain('王局长');

    await stale.fill(`${item} input[name="by"]`, '李副局长');
    await stale.click(`${item} button[type="submit"]`);
    await stale.waitForSelector(`${item} [data-role="ack-result"][data-status="409"]`, { timeout: 10_000 });
    const answer = await stale.textContent(`${item} [data-role="ack-result"]`);
    expect(answer).toContain('该提醒已由王局长');
    expect(answer).toContain('already acknowledged by 王局长');
    // The stale page now shows the state stored, as the first page does.
    await stale.waitForSelector(`${item}[data-status="acknowledged"]`, { timeout: 10_000 });
    await stale.close();
    const stored = await new NotificationStore(p.store.db, p.table).get(scheme.id, id!);
    expect(stored?.acknowledged).toMatchObject({ by: '王局长', note: '已部署整改' });
  });

  it('shows a department only its own indicators’ alerts, where the leader sees them all', async () => {
    const tab = await open(departmentProxy);
    await tab.waitForSelector('[data-role="alerts"] li');
    const seen = await tab.$$eval('[data-role="alerts"] li[data-notification]', (lis) =>
      lis.map((li) => (li as HTMLElement).dataset.owner),
    );
    const live = (await new NotificationStore(p.store.db, p.table).list(scheme.id)).filter((s) =>
      ['open', 'acknowledged', 'escalated'].includes(s.status),
    );
    const own = live.filter((s) => s.notification.owner === department);
    expect(own.length).toBeGreaterThan(0);
    expect(own.length).toBeLessThan(live.length);
    expect(seen).toHaveLength(own.length);
    expect(new Set(seen)).toEqual(new Set([department]));
    expect(await page.$$eval('[data-role="alerts"] li[data-notification]', (lis) => lis.length)).toBe(
      live.length,
    );
    expect(await tab.textContent('[data-role="caller"]')).toContain(department);
    await tab.close();
  });

  it('updates when a department publishes a new value, within the poll interval', async () => {
    const before = await storedRanking();
    const detail = {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: 'hotline_satisfaction',
      entity: 'lanzhou',
      period: '2026-W26',
      value: 99.9,
      observedAt: '2026-06-30T08:00:00.000Z',
    };
    await p.deliver([
      [envelope(INDICATOR_VALUE_REPORTED, 'dept.hotline12345', detail, uuidOf('dashboard', 'lanzhou'))],
    ]);
    const after = await storedRanking();
    expect(after.seq).toBe(before.seq + 1);
    const started = Date.now();
    await page.waitForFunction((hash) => document.body.dataset.headHash === hash, after.hash, {
      timeout: POLL_SECONDS * 1000 + 5_000,
    });
    expect(Date.now() - started).toBeLessThan(POLL_SECONDS * 1000 + 5_000);
    expect(await page.textContent('[data-role="head"]')).toContain(`#${after.seq}`);
    const rows = await page.$$eval('table[data-role="ranking"] tr[data-entity]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-entity'), Number(tr.getAttribute('data-rank'))]),
    );
    expect(rows).toEqual(after.rows);
  });

  it('takes a screenshot', async () => {
    const file = join(shots, 'dashboard.png');
    writeFileSync(file, await page.screenshot({ fullPage: true }));
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(file).size).toBeGreaterThan(20_000);
  });

  it('loaded nothing but the proxies’ own addresses', () => {
    const own = [leaderProxy.url, departmentProxy.url];
    expect(requests.filter((u) => !own.some((o) => u.startsWith(o)))).toEqual([]);
  });
});
