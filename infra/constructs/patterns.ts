// Event patterns built from the event contracts (events/), so no detail-type or source is spelled in infra.
import { type EventPattern, Match } from 'aws-cdk-lib/aws-events';
import type { EventContract } from '../../events/envelope.ts';

/** The `source` matcher for contracts' source patterns: exact sources, or one prefix. */
function sourceMatcher(contracts: readonly Pick<EventContract, 'sourcePattern'>[]): string[] {
  const patterns = contracts.flatMap((c) => c.sourcePattern);
  const exact = [...new Set(patterns.filter((p): p is string => typeof p === 'string'))];
  const prefixes = [
    ...new Set(patterns.filter((p): p is { prefix: string } => typeof p !== 'string').map((p) => p.prefix)),
  ];
  if (prefixes.length === 0) return exact;
  if (prefixes.length === 1 && exact.length === 0) return Match.prefix(prefixes[0]!);
  throw new Error('a rule mixes exact and prefix sources; give each its own rule');
}

/** A rule pattern matching exactly these contracts (their sources and detail-types), optionally on detail. */
export function patternFor(
  contracts: readonly Pick<EventContract, 'sourcePattern' | 'detailType'>[],
  detail?: EventPattern['detail'],
): EventPattern {
  return {
    source: sourceMatcher(contracts),
    detailType: [...new Set(contracts.map((c) => c.detailType))],
    ...(detail ? { detail } : {}),
  };
}
