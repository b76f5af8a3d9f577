// Terminal text helpers: display width of CJK text, padding and simple aligned tables.

/** Display columns of a string: East Asian wide characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6)
        ? 2
        : 1;
  }
  return w;
}

export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'left' ? s + fill : fill + s;
}

/** Renders rows as aligned columns; `right` lists the column indices to right-align. */
export function table(header: string[], rows: string[][], right: number[] = []): string {
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!, right.includes(i) ? 'right' : 'left'))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** Number with the unit's precision: up to `digits` decimals, trailing zeros removed. */
export function fmtValue(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return String(Number(x.toFixed(digits)));
}

export interface VerdictLike {
  ok?: boolean;
  checked?: number;
  periods?: number;
  firstBad?: string;
  reason?: string;
  projections?: { checked: number; missing: number };
}

/** One line for a verification verdict (the store's or the query API's `verify`), Chinese first. */
export function verdictText(v: VerdictLike): string {
  if (!v.ok) return `校验失败 / verification failed at ${v.firstBad}: ${v.reason}`;
  const p = v.projections;
  const projected = p
    ? `; 历史记录 ${p.checked} 条与快照一致 / ${p.checked} history item(s) match their snapshots${p.missing ? ` (${p.missing} 条尚未生成 / ${p.missing} not yet projected)` : ''}`
    : '';
  return `哈希链校验通过 / chain verified: ${v.checked} snapshot(s) in ${v.periods} period(s)${projected}`;
}
