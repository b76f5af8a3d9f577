// `npm start` as a user runs it: synthesis, the engine, the scenario and the report, then a clean exit.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portIsFree } from '../../../local/ports.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Command lines of the processes running now (Linux /proc). */
function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

describe('npm start', () => {
  it('plays the Gansu scenario on the local engine, prints what each user sees in Chinese first, exits 0 and leaves no process or port', async () => {
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);

    const lines = stdout.split('\n');
    // Chinese first, then English, on every framing line.
    expect(lines[0]).toBe('rankwatch 本地引擎 · 甘肃场景 / the local engine · the Gansu scenario');
    expect(stdout).toMatch(
      /^本地 EventBridge 已监听 \/ local EventBridge listening: http:\/\/127\.0\.0\.1:\d+$/m,
    );
    expect(stdout).toContain('① 合成 CDK 应用 / synthesising the CDK app');
    expect(stdout).toMatch(
      /② 引擎已按模板接线 .*7 规则 rules · 16 队列 queues · 10 函数 functions · 4 事件源映射/,
    );
    expect(stdout).toContain('已保存并启用 / stored and activated: gansu-weekly-2026 1');
    expect(stderr).toContain('26/26 2026-W26');
    // The leaders: the final ranking with arrows, the gap to first, prescriptions and coaching pairs.
    expect(stdout).toContain('2026-W26 · 考核结果');
    expect(stdout).toMatch(/1\s+嘉峪关市\s+77\.71\s+→/);
    expect(stdout).toMatch(/7\s+白银市\s+55\.87\s+↑1/);
    expect(stdout).toContain('兰州市 — 第2名; 与第一名差距 (嘉峪关市): 0.41');
    expect(stdout).toContain('精准治疗处方');
    expect(stdout).toContain('一对一辅导');
    expect(stdout).toContain('政务服务平均办结时长: 市政务服务管理局 / 李副局长 ⇄ 平凉市');
    // Every notification the leaders received, from the SNS log: the scenario's 14 slipped alert keys are 10
    // notifications (test/local/engine.test.ts checks them against assessSeries' grouping).
    expect(stdout).toMatch(/领导收到的全部排名预警通知.*共 10 条/);
    expect(stdout).toContain('【严重】兰州市 2026-W16 总排名由第1名变为第3名（失去第一）');
    expect(stdout).toContain('【警告】兰州市 2026-W18 总排名由第3名变为第4名（跌出前列）');
    // The leaders' loop, read back from the engine's table: one acknowledged by a leader; three resolved by
    // the recovery their period's later data brought (W17 margin erosion, W18 left top group and W18 rank
    // drop on 工程建设项目审批平均用时); the other six escalated a day later (warning SLA P1D); and each owner
    // department's 周提醒 written by the remind function.
    expect(stdout).toContain('━━ 领导的闭环 · the leaders’ loop (提级 / 周提醒) ━━');
    expect(stdout).toMatch(/已确认 acknowledged \(局长\).*兰州市 2026-W16\s+总排名 overall\s+严重 失去第一/);
    expect(stdout).toMatch(/提级 6 条 \/ escalated 6: /);
    expect(stdout).toMatch(/已解除 resolved .*2026-W17\s+总排名 overall\s+提示 优势收窄/);
    expect(stdout).toMatch(/已解除 resolved .*2026-W18\s+总排名 overall\s+警告 跌出前列/);
    expect(stdout.match(/已解除 resolved/g)).toHaveLength(3);
    expect(stdout).toContain('【周提醒】bizenv');
    expect(stdout).toContain('【周提醒】datasharing');
    // Routing, counted from what each SNS subscription was delivered (its filter policy applied): the leader
    // everything, bizenv its own six slips, the first escalation level's address the six escalations (all to
    // level 1), the second level's none.
    expect(stdout).toMatch(
      /leader@lanzhou\.rankwatch\.example · 无过滤（领导）no filter \(leaders\): 预警 slips 10 · 提级 escalations 6 · 周提醒 reminders 5/,
    );
    expect(stdout).toMatch(
      /bizenv@lanzhou\.rankwatch\.example · .*: 预警 slips 6 · 提级 escalations 5 · 周提醒 reminders 1/,
    );
    expect(stdout).toMatch(
      /deputy@lanzhou\.rankwatch\.example · .*: 预警 slips 0 · 提级 escalations 6 · 周提醒 reminders 0/,
    );
    expect(stdout).toMatch(
      /director@lanzhou\.rankwatch\.example · .*: 预警 slips 0 · 提级 escalations 0 · 周提醒 reminders 0/,
    );
    // The bulletins: written by the bundled bulletin function to the engine's bucket, announced through the
    // outbox and relay, and copied out; each page has the 14 ranked rows.
    const pages = [
      ...stdout.matchAll(
        /^(周分析 weekly analysis 2026-W26|月通报 monthly bulletin 2026-06): (\S+\.html)（/gm,
      ),
    ];
    expect(pages.map((m) => m[1])).toEqual([
      '周分析 weekly analysis 2026-W26',
      '月通报 monthly bulletin 2026-06',
    ]);
    for (const [, , path] of pages) {
      const html = readFileSync(path!, 'utf8');
      expect(html.match(/<tr data-entity="[^"]+" data-rank="\d+"/g)).toHaveLength(14);
      expect(html).toContain('<figure data-chart="waterfall"');
    }
    expect(stdout).toMatch(/BulletinsBulletinFunction 2 ·/);
    // The auditors: snapshots and the verified chain.
    // One snapshot per week, unless a loaded machine splits a week's reports over two ingest batches (the
    // batching window is 5 s / time scale): seen once, 27 snapshots. Every period is there and every snapshot verified.
    const snapshots = Number(
      /快照 \/ snapshots: (\d+)（26 个周期 periods，2026-W01–2026-W26）/.exec(stdout)?.[1],
    );
    expect(snapshots).toBeGreaterThanOrEqual(26);
    expect(snapshots).toBeLessThanOrEqual(30);
    expect(stdout).toContain(`哈希链校验通过 / chain verified: ${snapshots} snapshot(s) in 26 period(s)`);
    expect(stdout).toMatch(/拒收 Observation\.Rejected 0/);
    expect(stdout).toMatch(/IngestionDeadLetterQueue 0/);
    expect(stdout).toContain('引擎已停止，无残留进程与端口 / engine stopped');

    // Nothing left behind: every endpoint it printed is closed, and no DynamoDB Local runs on its port.
    const urls = [...stdout.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const port of new Set(urls)) {
      expect(await portIsFree(port), `port ${port}`).toBe(true);
      const jvm = new RegExp(`DynamoDBLocal\\.jar .*-port ${port}\\s`);
      expect(commandLines().filter((c) => jvm.test(c))).toEqual([]);
    }
  }, 300_000);
});
