// What departments put on the bus, built from rows of values: one `Indicator.ResultsPublished` per
// (indicator, period) — the whole published table — and, for a value reported again later (a correction),
// an `Indicator.ValueReported` with its own observedAt. Sent with the real SDK, ≤ 10 entries and 256 KB a call.
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { ValueRow } from '../domain/observations.ts';
import {
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  type IndicatorResultsPublishedDetail,
  type IndicatorValueReportedDetail,
  planPutEvents,
} from '../events/index.ts';

export type { ValueRow };

export interface DepartmentEvent {
  period: string;
  indicator: string;
  source: string;
  detailType: typeof INDICATOR_RESULTS_PUBLISHED | typeof INDICATOR_VALUE_REPORTED;
  entry: PutEventsRequestEntry;
  /** Entities the event carries values for. */
  entities: string[];
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * Department events for these rows, grouped by period in the order periods first appear. Within a period:
 * each indicator's table (the first value per entity), then the corrections (later values of an entity).
 */
export function departmentEvents(
  rows: readonly ValueRow[],
  options: { scheme: string; busName: string; sourceOf(row: ValueRow): string; now?: () => string },
): { period: string; events: DepartmentEvent[] }[] {
  const now = options.now ?? (() => new Date().toISOString());
  const periods = new Map<string, Map<string, ValueRow[]>>();
  for (const row of rows) {
    let byIndicator = periods.get(row.period);
    if (!byIndicator) {
      byIndicator = new Map();
      periods.set(row.period, byIndicator);
    }
    const list = byIndicator.get(row.indicator) ?? [];
    list.push(row);
    byIndicator.set(row.indicator, list);
  }
  return [...periods].map(([period, byIndicator]) => {
    const tables: DepartmentEvent[] = [];
    const corrections: DepartmentEvent[] = [];
    for (const [indicator, list] of byIndicator) {
      const sorted = [...list].sort(
        (a, b) => Date.parse(a.observedAt ?? '') - Date.parse(b.observedAt ?? '') || 0,
      );
      const table = new Map<string, ValueRow>();
      for (const row of sorted) {
        if (!table.has(row.entity)) {
          table.set(row.entity, row);
          continue;
        }
        const detail: IndicatorValueReportedDetail = {
          schemaVersion: 1,
          scheme: options.scheme,
          indicator,
          entity: row.entity,
          period,
          value: row.value,
          observedAt: row.observedAt ?? now(),
        };
        const source = options.sourceOf(row);
        corrections.push({
          period,
          indicator,
          source,
          detailType: INDICATOR_VALUE_REPORTED,
          entities: [row.entity],
          entry: {
            EventBusName: options.busName,
            Source: source,
            DetailType: INDICATOR_VALUE_REPORTED,
            Detail: JSON.stringify(detail),
          },
        });
      }
      const values = [...table.values()];
      const observedAt = values
        .map((r) => r.observedAt)
        .reduce<string | undefined>(
          (a, b) => (a === undefined ? b : b === undefined ? a : later(a, b)),
          undefined,
        );
      const detail: IndicatorResultsPublishedDetail = {
        schemaVersion: 1,
        scheme: options.scheme,
        indicator,
        period,
        observedAt: observedAt ?? now(),
        values: values.map((r) => ({ entity: r.entity, value: r.value })),
      };
      const source = options.sourceOf(values[0]!);
      tables.push({
        period,
        indicator,
        source,
        detailType: INDICATOR_RESULTS_PUBLISHED,
        entities: values.map((r) => r.entity),
        entry: {
          EventBusName: options.busName,
          Source: source,
          DetailType: INDICATOR_RESULTS_PUBLISHED,
          Detail: JSON.stringify(detail),
        },
      });
    }
    return { period, events: [...tables, ...corrections] };
  });
}

/** Entries EventBridge refused (per-entry errors, or refused before sending). */
export class PublishError extends Error {
  readonly failures: { entry: PutEventsRequestEntry; code: string; message: string }[];

  constructor(failures: PublishError['failures']) {
    super(
      `事件总线拒收 ${failures.length} 条 / EventBridge refused ${failures.length} entr${failures.length === 1 ? 'y' : 'ies'}: ${failures
        .slice(0, 3)
        .map((f) => `${f.entry.DetailType} ${f.code}: ${f.message}`)
        .join('; ')}`,
    );
    this.name = 'PublishError';
    this.failures = failures;
  }
}

/**
 * PutEvents for every entry (batched as the API allows); resolves with each entry's EventId, in order. Given
 * a client per source, each source's entries are put by its own client (a department signs as itself).
 */
export async function putAll(
  client: EventBridgeClient | ((source: string) => EventBridgeClient),
  entries: readonly PutEventsRequestEntry[],
): Promise<string[]> {
  if (typeof client === 'function') {
    const sources = [...new Set(entries.map((e) => e.Source ?? ''))];
    const ids = new Map<PutEventsRequestEntry, string>();
    for (const source of sources) {
      const own = entries.filter((e) => (e.Source ?? '') === source);
      const got = await putAll(client(source), own);
      own.forEach((entry, i) => {
        ids.set(entry, got[i]!);
      });
    }
    return entries.map((e) => ids.get(e)!);
  }
  const plan = planPutEvents(entries);
  const failures: PublishError['failures'] = plan.refused.map((r) => ({
    entry: r.entry,
    code: 'Refused',
    message: r.problems.join('; '),
  }));
  const ids = new Map<PutEventsRequestEntry, string>();
  for (const batch of plan.batches) {
    const out = await client.send(new PutEventsCommand({ Entries: batch }));
    batch.forEach((entry, i) => {
      const result = out.Entries?.[i];
      if (result?.EventId && !result.ErrorCode) ids.set(entry, result.EventId);
      else
        failures.push({
          entry,
          code: result?.ErrorCode ?? 'NoResult',
          message: result?.ErrorMessage ?? 'no result for this entry',
        });
    });
  }
  if (failures.length) throw new PublishError(failures);
  return entries.map((e) => ids.get(e)!);
}

/** One EventBridge client per source, made on first use; `destroy` closes them all. */
export function clientsBySource(make: (source: string) => EventBridgeClient): {
  of(source: string): EventBridgeClient;
  destroy(): void;
} {
  const clients = new Map<string, EventBridgeClient>();
  return {
    of(source) {
      let c = clients.get(source);
      if (!c) {
        c = make(source);
        clients.set(source, c);
      }
      return c;
    },
    destroy() {
      for (const c of clients.values()) c.destroy();
    },
  };
}
