// What a scheduled function (escalate, remind) is asked to do: the schedule's input may name one scheme
// (`{"scheme": "…"}`; otherwise every stored scheme is visited) and a time to decide at (`{"at": ISO}`, for
// replays, the local engine's scaled clock and the demo; otherwise the clock).
export function scheduledRun(
  event: unknown,
  deps: { store: { schemeIds(): Promise<string[]> }; now(): Date },
): Promise<{ schemeIds: string[]; at: string }> {
  const input = (event ?? {}) as { scheme?: unknown; at?: unknown };
  const at =
    typeof input.at === 'string' && !Number.isNaN(Date.parse(input.at))
      ? new Date(input.at).toISOString()
      : deps.now().toISOString();
  return typeof input.scheme === 'string'
    ? Promise.resolve({ schemeIds: [input.scheme], at })
    : deps.store.schemeIds().then((schemeIds) => ({ schemeIds, at }));
}
