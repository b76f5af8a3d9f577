// Fixtures of the function tests: a small weekly scheme, department events for it, and the store adapter
// over a document client mocked with aws-sdk-client-mock that serves the scheme and an empty table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { canonicalJson, jsonSafe } from '../../domain/chain.ts';
import type { Observation } from '../../domain/observations.ts';
import { type Recorded, recordAssessment } from '../../domain/record.ts';
import { parseScheme, type Scheme } from '../../domain/scheme.ts';
import { INDICATOR_RESULTS_PUBLISHED, INDICATOR_VALUE_REPORTED } from '../../events/index.ts';
import { documentClient, sdkDynamo } from '../../functions/shared/aws/sdk.ts';
import { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import { keys } from '../../functions/shared/table.ts';
import { type BusEvent, envelope, uuidOf } from '../support/pipeline.ts';

export const TABLE = 'rankwatch-unit';

export const scheme: Scheme = parseScheme({
  id: 'unit-weekly',
  version: '1',
  name: { zh: '单元测试周考核', en: 'Unit-test weekly assessment' },
  periodKind: 'week',
  entities: [
    { id: 'lanzhou', name: { zh: '兰州市', en: 'Lanzhou' } },
    { id: 'tianshui', name: { zh: '天水市', en: 'Tianshui' } },
    { id: 'baiyin', name: { zh: '白银市', en: 'Baiyin' } },
  ],
  focus: ['lanzhou'],
  indicators: [
    {
      id: 'hotline_satisfaction',
      name: { zh: '热线满意度', en: 'Hotline satisfaction' },
      weight: 1,
      direction: 'higher',
      unit: '%',
      owner: 'hotline12345',
      precision: 1,
      normalise: { method: 'minmax' },
    },
    {
      id: 'gov_online_rate',
      name: { zh: '全程网办率', en: 'Services fully online' },
      weight: 1,
      direction: 'higher',
      unit: '%',
      owner: 'govservice',
      precision: 1,
      normalise: { method: 'goalpost', best: 100, worst: 60 },
    },
  ],
  missing: { carryForward: 1, otherwise: 'reweight' },
  rules: { slip: [{ rule: 'rankDrop', min: 1 }, { rule: 'lostFirst' }] },
});

export function valueReported(
  over: Partial<{
    scheme: string;
    indicator: string;
    entity: string;
    period: string;
    value: unknown;
    observedAt: string;
  }> = {},
  source = 'dept.hotline12345',
  id = uuidOf('unit-value', JSON.stringify(over), source),
): BusEvent {
  return envelope(
    INDICATOR_VALUE_REPORTED,
    source,
    {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: 'hotline_satisfaction',
      entity: 'lanzhou',
      period: '2026-W02',
      value: 95.5,
      observedAt: '2026-01-12T08:30:00+08:00',
      ...over,
    },
    id,
  );
}

export function resultsPublished(
  over: Partial<{ indicator: string; period: string; values: unknown; observedAt: string }> = {},
  source = 'dept.govservice',
  id = uuidOf('unit-table', JSON.stringify(over), source),
): BusEvent {
  return envelope(
    INDICATOR_RESULTS_PUBLISHED,
    source,
    {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: 'gov_online_rate',
      period: '2026-W02',
      observedAt: '2026-01-12T09:30:00+08:00',
      values: [
        { entity: 'lanzhou', value: 91.2 },
        { entity: 'tianshui', value: 88 },
        { entity: 'baiyin', value: 79.5 },
      ],
      ...over,
    },
    id,
  );
}

export function mockedDocumentClient(): DynamoDBDocumentClient {
  return documentClient(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
    }),
  );
}

/** The store over a mocked document client that holds the scheme (active) and nothing else. */
export function mockedStore(s: Scheme = scheme) {
  const doc = mockedDocumentClient();
  const ddb = mockClient(doc);
  ddb.on(GetCommand).resolves({});
  ddb
    .on(GetCommand, { Key: keys.schemeActive(s.id) })
    .resolves({ Item: { ...keys.schemeActive(s.id), version: s.version } });
  ddb
    .on(GetCommand, { Key: keys.schemeVersion(s.id, s.version) })
    .resolves({ Item: { ...keys.schemeVersion(s.id, s.version), scheme: canonicalJson(jsonSafe(s)) } });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(BatchGetCommand).resolves({ Responses: {} });
  ddb.on(BatchWriteCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  return { store: new DynamoAssessmentStore(sdkDynamo(doc), TABLE), doc, ddb };
}

const W02 = '2026-W02';
const obs = (entity: string, indicator: string, value: number, at: string, eventId: string): Observation => ({
  period: W02,
  entity,
  indicator,
  value,
  observedAt: at,
  source: `dept.${indicator.startsWith('hotline') ? 'hotline12345' : 'govservice'}`,
  eventId,
});

/**
 * Two snapshots of 2026-W02: Lanzhou first in both indicators, then last after corrections, so the second
 * raises slip alerts (rank drop, lost first) against the first.
 */
export function recordedPair(): { first: Recorded; second: Recorded } {
  const t1 = '2026-01-12T08:00:00+08:00';
  const first = recordAssessment({
    scheme,
    period: W02,
    head: null,
    earlier: [],
    history: [],
    alertStates: new Map(),
    observations: [
      obs('lanzhou', 'hotline_satisfaction', 99, t1, 'e1'),
      obs('tianshui', 'hotline_satisfaction', 90, t1, 'e2'),
      obs('baiyin', 'hotline_satisfaction', 80, t1, 'e3'),
      obs('lanzhou', 'gov_online_rate', 95, t1, 'e4'),
      obs('tianshui', 'gov_online_rate', 85, t1, 'e5'),
      obs('baiyin', 'gov_online_rate', 75, t1, 'e6'),
    ],
    now: '2026-01-12T01:00:00.000Z',
  }) as Recorded;
  const t2 = '2026-01-13T08:00:00+08:00';
  const second = recordAssessment({
    scheme,
    period: W02,
    head: { period: W02, seq: 1, hash: 'h1', inputs: first.body.inputs, standings: first.standings },
    earlier: [],
    history: [],
    alertStates: new Map(),
    observations: [
      obs('lanzhou', 'hotline_satisfaction', 70, t2, 'e7'),
      obs('lanzhou', 'gov_online_rate', 65, t2, 'e8'),
    ],
    now: '2026-01-13T01:00:00.000Z',
  }) as Recorded;
  return { first, second };
}
