// Silences against DynamoDB Local (#9): `rankwatch silence` stores one, the ingest path reads those in force
// when it groups a snapshot's slips, and a notification a silence covers is recorded (status silenced, with
// the silence's id) but never sent; an expired silence covers nothing. Bad requests name their field.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { NotificationState } from '../../domain/lifecycle.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import type { Silence } from '../../domain/silences.ts';
import { NotificationStore } from '../../functions/shared/notification-store.ts';
import { SilenceStore } from '../../functions/shared/silence-store.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { cliOnTable } from '../support/cli-aws.ts';
import { createPipeline, departmentEvents, type Pipeline } from '../support/pipeline.ts';

const endpoint = inject('dynamodbEndpoint');
const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const WEEKS = 16;

describe('silences: recorded, not sent', () => {
  let p: Pipeline;
  const cli = cliOnTable(endpoint, () => p.table, scheme.id);
  let notifications: NotificationState[];
  let silences: Silence[];

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'silences');
    const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);
    const events = departmentEvents(scheme, rows, new Set());
    const week = (w: number) => `2026-W${String(w).padStart(2, '0')}`;
    for (let w = 1; w < WEEKS; w++) await p.deliver([events.filter((e) => e.detail.period === week(w))]);
    // The pipeline's clock starts at 2026-07-01T00:00:00Z: one silence in force then, one long expired.
    const inForce = await cli(
      'silence',
      '--entity',
      'lanzhou',
      '--scope',
      'overall',
      '--rule',
      'lostFirst',
      '--until',
      '2026-08-01T00:00:00+08:00',
      '--reason',
      '省平台数据迁移，排名暂不可比',
      '--by',
      '王局长',
      '--at',
      '2026-06-30T00:00:00Z',
    );
    expect(inForce.code, inForce.err).toBe(0);
    const expired = await cli(
      'silence',
      '--entity',
      'lanzhou',
      '--until',
      '2026-05-02T00:00:00Z',
      '--reason',
      '旧的静默',
      '--by',
      '李科长',
      '--at',
      '2026-05-01T00:00:00Z',
    );
    expect(expired.code, expired.err).toBe(0);
    await p.deliver([events.filter((e) => e.detail.period === week(WEEKS))]);
    await p.relayAll();
    notifications = await new NotificationStore(p.store.db, p.table).list(scheme.id);
    silences = await new SilenceStore(p.store.db, p.table).list(scheme.id);
  });

  it('stores each silence with who, why and until, as the command printed it', () => {
    expect(silences).toHaveLength(2);
    expect(silences.find((s) => s.by === '王局长')).toMatchObject({
      scheme: scheme.id,
      entity: 'lanzhou',
      scope: 'overall',
      rule: 'lostFirst',
      until: '2026-07-31T16:00:00.000Z',
      reason: '省平台数据迁移，排名暂不可比',
      createdAt: '2026-06-30T00:00:00.000Z',
      id: expect.stringMatching(/^S[0-9a-f]{20}$/),
    });
  });

  it('records Lanzhou’s W16 drop as silenced by the silence in force and sends no Ranking.Slipped for it', () => {
    const w16 = notifications.filter(
      (s) =>
        s.notification.period === '2026-W16' &&
        s.notification.entity === 'lanzhou' &&
        s.notification.scope === 'overall',
    );
    expect(w16).toHaveLength(1);
    const silence = silences.find((s) => s.by === '王局长')!;
    expect(w16[0]).toMatchObject({
      status: 'silenced',
      version: 1,
      notification: { silencedBy: silence.id },
    });
    expect(w16[0]!.history).toEqual([{ at: expect.any(String), action: 'silenced', reason: silence.id }]);
    const sent = p.published.filter((e) => e.detailType === 'Ranking.Slipped');
    expect(sent.some((e) => e.detail.notificationId === w16[0]!.notification.id)).toBe(false);
    // Everything not silenced was sent, each once; nothing else is marked silenced (the expired one covers nothing).
    const others = notifications.filter((s) => s !== w16[0]);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((s) => s.status === 'open')).toBe(true);
    expect(sent.map((e) => e.detail.notificationId).sort()).toEqual(
      others.map((s) => s.notification.id).sort(),
    );
  });

  it('lists the silences in force, every stored one with --all', async () => {
    const inForce = await cli('silences', '--at', '2026-07-10T00:00:00Z');
    expect(inForce.code).toBe(0);
    expect(inForce.out).toContain('王局长');
    expect(inForce.out).toContain('兰州');
    expect(inForce.out).not.toContain('李科长');
    const all = await cli('silences', '--all', '--at', '2026-07-10T00:00:00Z');
    expect(all.out).toContain('李科长');
    expect(all.out).toContain('已过期 expired');
    const none = await cli('silences', '--at', '2026-09-01T00:00:00Z');
    expect(none.out).toContain('没有生效的静默 / no silence in force');
  });

  it('refuses a bad silence naming the field, and stores nothing', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--entity', 'atlantis', '--until', '2027-01-01T00:00:00Z', '--reason', 'x'],
        /--entity: .*unknown entity "atlantis"/,
      ],
      [['--scope', 'nosuch', '--until', '2027-01-01T00:00:00Z', '--reason', 'x'], /--scope: /],
      [['--rule', 'fell', '--until', '2027-01-01T00:00:00Z', '--reason', 'x'], /--rule: .*must be one of/],
      [['--entity', 'lanzhou', '--until', 'soon', '--reason', 'x'], /--until: .*ISO timestamp/],
      [
        ['--entity', 'lanzhou', '--until', '2020-01-01T00:00:00Z', '--reason', 'x'],
        /--until: .*must be after now/,
      ],
      [['--entity', 'lanzhou', '--until', '2027-01-01T00:00:00Z'], /--reason: /],
      [['--until', '2027-01-01T00:00:00Z', '--reason', 'x'], /at least one of --entity, --scope, --rule/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('silence', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(await new SilenceStore(p.store.db, p.table).list(scheme.id)).toHaveLength(2);
  });
});
