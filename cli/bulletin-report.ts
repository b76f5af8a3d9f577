// npm start's bulletins: the template's bulletin schedules fired on the local engine (the bundled bulletin
// function writes to the local S3 bucket and puts Bulletin.Published), then each published page copied from
// the engine's bucket to `.rankwatch/bulletins/` and named with its SHA-256 as the event gave it.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BULLETIN_PUBLISHED, type BulletinPublishedDetail } from '../events/index.ts';
import type { Engine } from '../local/engine.ts';

export interface PublishedCopy {
  kind: string;
  period: string;
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * Fires the bulletin schedules (weekly, then monthly), waits for the engine to settle and copies what the
 * Bulletin.Published events name into `outDir`. Each copy's SHA-256 is checked against its event.
 */
export async function publishLocalBulletins(
  engine: Engine,
  schemeId: string,
  outDir: string,
): Promise<{ lines: string[]; copies: PublishedCopy[] }> {
  const published: BulletinPublishedDetail[] = [];
  const stop = engine.eventBridge.onEvent((e) => {
    if (e['detail-type'] === BULLETIN_PUBLISHED) published.push(e.detail as BulletinPublishedDetail);
  });
  const schedules = engine.model.schedules.filter((s) =>
    /^Bulletins(Weekly|Monthly)Schedule/.test(s.logicalId),
  );
  try {
    for (const s of schedules.sort((a, b) => b.logicalId.localeCompare(a.logicalId))) {
      engine.tick(s.name);
      await engine.settle();
    }
  } finally {
    stop?.();
  }
  mkdirSync(outDir, { recursive: true });
  const copies: PublishedCopy[] = [];
  for (const d of published.filter((p) => p.scheme === schemeId)) {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(d.location);
    if (!m) throw new Error(`Bulletin.Published: location "${d.location}" is not s3://bucket/key`);
    const source = join(engine.objectsDir, m[1]!, m[2]!);
    if (!existsSync(source))
      throw new Error(`Bulletin.Published names ${d.location}, which the local bucket does not hold`);
    const bytes = readFileSync(source);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (d.sha256 !== undefined && d.sha256 !== sha256)
      throw new Error(`${d.location}: SHA-256 ${sha256} is not the ${d.sha256} its Bulletin.Published gave`);
    const path = join(outDir, basename(m[2]!));
    copyFileSync(source, path);
    copies.push({ kind: d.kind, period: d.period, path, sha256, bytes: bytes.length });
  }
  const name = (k: string) => (k === 'monthly' ? '月通报 monthly bulletin' : '周分析 weekly analysis');
  const lines = [
    '━━ 周分析与月通报 · bulletins ━━',
    '',
    ...(copies.length
      ? copies.map(
          (c) =>
            `${name(c.kind)} ${c.period}: ${c.path}（${Math.round(c.bytes / 1024)} KB，SHA-256 ${c.sha256.slice(0, 16)}…，与 Bulletin.Published 一致 / matches its event）`,
        )
      : ['没有发布通报 / no bulletin was published']),
    '',
  ];
  return { lines, copies };
}
