// ISO-8601 durations (PnW, PnDTnHnMnS) as milliseconds for acknowledgement SLAs and schedule rates.

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const PATTERN =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Milliseconds of an ISO-8601 duration. Months and years are refused: their length depends on the
 * calendar, and an SLA must mean the same number of hours in every week.
 */
export function parseDuration(iso: string, field = 'duration'): number {
  if (typeof iso !== 'string' || iso.length === 0)
    throw new DurationError(`${field}: expected an ISO-8601 duration such as PT4H or P1D`);
  if (/^P(?:\d+(?:\.\d+)?Y|[^T]*\d+(?:\.\d+)?M)/.test(iso))
    throw new DurationError(
      `${field}: months and years are not allowed in "${iso}" (calendar-dependent); use days or weeks`,
    );
  const m = PATTERN.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T'))
    throw new DurationError(`${field}: "${iso}" is not an ISO-8601 duration such as PT4H, P1D or P1W`);
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
  if (!(ms > 0)) throw new DurationError(`${field}: "${iso}" must be longer than zero`);
  return Math.round(ms);
}

/** The instant `iso` after `atIso`, as an ISO timestamp (UTC). */
export function addDuration(atIso: string, iso: string): string {
  const t = Date.parse(atIso);
  if (Number.isNaN(t)) throw new DurationError(`at: "${atIso}" is not an ISO timestamp`);
  return new Date(t + parseDuration(iso)).toISOString();
}

/** Formats milliseconds as a short ISO-8601 duration (PT4H, P1D, P1DT2H30M). */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  const out = `P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
  return out === 'P' ? 'PT0S' : out;
}
