// Helpers for the reference reproductions: read fixture tables, write scheme + observations to a temp dir
// and run `rankwatch evaluate --format json` in-process, returning the parsed assessment.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { run } from '../../cli/main.ts';
import type { SeriesAssessment } from '../../domain/assessment.ts';

export const FIXTURES = new URL('../fixtures/reference/', import.meta.url);

/** A fixture CSV as records keyed by header (BOM stripped, CRLF or LF, cells trimmed). */
export function readTable(relPath: string): Record<string, string>[] {
  return parse(readFileSync(new URL(relPath, FIXTURES), 'utf8'), {
    bom: true,
    columns: true,
    trim: true, // csv-parse leaves spaces inside quoted cells
    skip_empty_lines: true,
  });
}

/** A fixture scheme template (YAML) as a plain object, to which the test adds the entities. */
export function readSchemeTemplate(relPath: string): Record<string, unknown> {
  return parseYaml(readFileSync(new URL(relPath, FIXTURES), 'utf8')) as Record<string, unknown>;
}

/** A scheme entity id from any name: ASCII letters and digits joined by "-" (Côte d'Ivoire → Cote-d-Ivoire). */
export function entityId(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export interface ObservationRow {
  period: string;
  entity: string;
  indicator: string;
  /** The value exactly as published (text), so nothing is lost to re-formatting. */
  value: string;
}

/** Observations as the long-format CSV `rankwatch evaluate` reads. */
export function observationsCsv(rows: readonly ObservationRow[]): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) => [r.period, r.entity, r.indicator, r.value].map(quote).join(','));
  return `period,entity,indicator,value\n${lines.join('\n')}\n`;
}

/** Runs `rankwatch evaluate --format json` on a scheme object and observations; throws on a non-zero exit. */
export async function evaluateViaCli(
  scheme: unknown,
  observations: readonly ObservationRow[],
): Promise<SeriesAssessment> {
  const dir = mkdtempSync(join(tmpdir(), 'rankwatch-reference-'));
  try {
    const schemePath = join(dir, 'scheme.json');
    const observationsPath = join(dir, 'observations.csv');
    writeFileSync(schemePath, JSON.stringify(scheme));
    writeFileSync(observationsPath, observationsCsv(observations));
    let stdout = '';
    let stderr = '';
    const code = await run(
      ['evaluate', '--scheme', schemePath, '--observations', observationsPath, '--format', 'json'],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
    if (code !== 0) throw new Error(`rankwatch evaluate exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as SeriesAssessment;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
