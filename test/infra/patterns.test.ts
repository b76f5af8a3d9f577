import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import {
  DEPARTMENT_EVENT_CONTRACTS,
  DEPARTMENT_SOURCE_PREFIX,
  ENGINE_EVENT_CONTRACTS,
  ENGINE_SOURCE,
  rankingSlipped,
} from '../../events/index.ts';
import { patternFor } from '../../infra/constructs/patterns.ts';

const resolve = (v: unknown) => new Stack().resolve(v);

describe('rule patterns from the contracts', () => {
  it('match the engine’s contracts by their exact source and detail-types', () => {
    expect(resolve(patternFor(ENGINE_EVENT_CONTRACTS))).toEqual({
      source: [ENGINE_SOURCE],
      detailType: ENGINE_EVENT_CONTRACTS.map((c) => c.detailType),
    });
  });

  it('match department contracts by the source prefix', () => {
    expect(resolve(patternFor(DEPARTMENT_EVENT_CONTRACTS).source)).toEqual(
      resolve(Match.prefix(DEPARTMENT_SOURCE_PREFIX)),
    );
  });

  it('carry a detail filter when given one', () => {
    expect(resolve(patternFor([rankingSlipped], { severity: ['critical'] })).detail).toEqual({
      severity: ['critical'],
    });
  });

  it('refuse to mix exact sources and a prefix in one rule', () => {
    expect(() => patternFor([rankingSlipped, ...DEPARTMENT_EVENT_CONTRACTS])).toThrow(
      /mixes exact and prefix/,
    );
  });
});
