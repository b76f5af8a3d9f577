import { describe, expect, it } from 'vitest';
import {
  type EventBridgeEvent,
  InputTransformationError,
  readJsonPath,
  TargetValidationError,
  targetInput,
  validateTargetInput,
} from '../../../local/eventbridge/input-transformer.ts';

// The event and expectations follow cases recorded against AWS (LocalStack's AWS-validated snapshots of
// EventBridge input transformers) and the examples in the EventBridge user guide.
const event: EventBridgeEvent = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'core.update-account-command',
  source: 'core.update-account-command',
  account: '123456789012',
  time: '2025-03-03T08:30:15Z',
  region: 'cn-northwest-1',
  resources: [],
  detail: {
    command: 'update-account',
    payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' },
    listsingle: ['HIGH'],
    listmulti: ['ACTIVE', 'INACTIVE'],
    valid: true,
    score: 87.5,
    nothing: null,
  },
};

const context = {
  ruleArn: 'arn:aws:events:cn-northwest-1:123456789012:rule/rankwatch-assessments/slips',
  ruleName: 'slips',
  ingestionTime: '2025-03-03T08:30:16Z',
};

const inputPathsMap = {
  userId: '$.detail.payload.acc_id',
  payload: '$.detail.payload',
  systemstring: '$.detail.awsAccountId',
  listsingle: '$.detail.listsingle',
  listmulti: '$.detail.listmulti',
  valid: '$.detail.valid',
  score: '$.detail.score',
  nothing: '$.detail.nothing',
  detailType: '$.detail-type',
};

const render = (inputTemplate: string) =>
  targetInput(event, { inputTransformer: { inputPathsMap, inputTemplate } }, context);

describe('a target without custom input', () => {
  it('receives the whole event as JSON', () => {
    expect(JSON.parse(targetInput(event, {}, context))).toEqual(event);
  });

  it('receives a constant Input unchanged', () => {
    expect(targetInput(event, { input: '{"fixed": [1, 2]}' }, context)).toBe('{"fixed": [1, 2]}');
  });

  it('receives the JSON at its InputPath, a string value as a JSON string', () => {
    expect(targetInput(event, { inputPath: '$.detail.payload' }, context)).toBe(
      '{"acc_id":"0a787ecb-4015","sf_id":"baz"}',
    );
    expect(targetInput(event, { inputPath: '$.detail.payload.sf_id' }, context)).toBe('"baz"');
  });

  it('receives nothing when its InputPath reaches nothing', () => {
    expect(() => targetInput(event, { inputPath: '$.detail.absent' }, context)).toThrow(
      InputTransformationError,
    );
  });
});

describe('JSON templates', () => {
  it('quote a string placed outside quotes and minify the result', () => {
    expect(render('{"id" : <userId>}')).toBe('{"id":"0a787ecb-4015"}');
  });

  it('insert a string placed inside quotes as it is', () => {
    expect(render('{"id" : "<userId>"}')).toBe('{"id":"0a787ecb-4015"}');
    expect(render('{"multi_replacement": "users/<userId>/second/<userId>"}')).toBe(
      '{"multi_replacement":"users/0a787ecb-4015/second/0a787ecb-4015"}',
    );
  });

  it('insert objects, lists, numbers, booleans and null as JSON outside quotes', () => {
    expect(
      JSON.parse(
        render(
          '{"method": "PUT", "path": "users-service/users/<userId>", "id": <userId>, "body": <payload>, "l": <listsingle>, "v": <valid>, "s": <score>, "n": <nothing>}',
        ),
      ),
    ).toEqual({
      method: 'PUT',
      path: 'users-service/users/0a787ecb-4015',
      id: '0a787ecb-4015',
      body: { acc_id: '0a787ecb-4015', sf_id: 'baz' },
      l: ['HIGH'],
      v: true,
      s: 87.5,
      n: null,
    });
  });

  it('fill placeholders inside arrays and nested objects', () => {
    expect(
      render('{"bod": [<userId>, "hardcoded"], "nested": {"level1": {"level2": "users/<userId>"}}}'),
    ).toBe('{"bod":["0a787ecb-4015","hardcoded"],"nested":{"level1":{"level2":"users/0a787ecb-4015"}}}');
  });

  it('give "" for a variable whose path reaches nothing', () => {
    expect(render('{"detailType": <detailType>, "command": <systemstring>}')).toBe(
      '{"detailType":"core.update-account-command","command":""}',
    );
  });

  it('are not delivered when an object or list is placed inside quotes (the JSON breaks)', () => {
    expect(() => render('{"payload": "<payload>"}')).toThrow(InputTransformationError);
    expect(() => render('{"singlelistitem": "<listsingle>"}')).toThrow(InputTransformationError);
    expect(() => render('{"not_valid": "users-service/users/<payload>", "bod": <payload>}')).toThrow(
      InputTransformationError,
    );
  });

  it('keep a quote escaped in the template', () => {
    expect(JSON.parse(render('{"status": "instance \\"<userId>\\" is in <valid>"}'))).toEqual({
      status: 'instance "0a787ecb-4015" is in true',
    });
  });
});

describe('string templates', () => {
  it('keep their quotes and are not parsed', () => {
    expect(render('"Event of <detailType> type, info extracted from detail <userId>"')).toBe(
      '"Event of core.update-account-command type, info extracted from detail 0a787ecb-4015"',
    );
    expect(render('"{[/Check with special starting characters for event of <detailType> type"')).toBe(
      '"{[/Check with special starting characters for event of core.update-account-command type"',
    );
  });

  it('show objects and lists without their inner quotes, and missing values as nothing', () => {
    expect(
      render(
        '"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id <payload> payload <userId> user id"',
      ),
    ).toBe(
      '"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id {acc_id:0a787ecb-4015,sf_id:baz} payload 0a787ecb-4015 user id"',
    );
    expect(render('"Command is <valid>!"')).toBe('"Command is true!"');
  });

  it('may span several quoted lines', () => {
    expect(render('"<listsingle> single list item"\n"<userId> user id"')).toBe(
      '"[HIGH] single list item"\n"0a787ecb-4015 user id"',
    );
  });

  it('may be a bare placeholder, giving the value as JSON', () => {
    expect(render('<payload>')).toBe('{"acc_id":"0a787ecb-4015","sf_id":"baz"}');
  });
});

describe('predefined variables', () => {
  it('give the rule’s ARN and name and the ingestion time inside strings', () => {
    expect(
      targetInput(
        event,
        {
          inputTransformer: {
            inputTemplate:
              '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"',
          },
        },
        context,
      ),
    ).toBe(
      '"Message containing all pre defined variables arn:aws:events:cn-northwest-1:123456789012:rule/rankwatch-assessments/slips slips 2025-03-03T08:30:16Z"',
    );
  });

  it('give the event without its detail (detail-type as detailType) and the whole event as JSON', () => {
    const out = JSON.parse(
      targetInput(
        event,
        {
          inputTransformer: {
            inputTemplate:
              '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
          },
        },
        context,
      ),
    );
    const { detail: _detail, 'detail-type': detailType, ...rest } = event;
    expect(out).toEqual({ originalEvent: { ...rest, detailType }, originalEventJson: event });
  });
});

describe('validation when the target is put', () => {
  it('refuses a placeholder that is neither mapped nor predefined, with AWS’s message', () => {
    expect(() =>
      validateTargetInput('target-1', {
        inputTransformer: {
          inputPathsMap: { 'detail-type': '$.detail-type' },
          inputTemplate: '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
        },
      }),
    ).toThrow(
      new TargetValidationError(
        'InputTemplate for target target-1 contains invalid placeholder notdefinedkey.',
      ),
    );
  });

  it('refuses more than one way of customising the input, with AWS’s message', () => {
    expect(() => validateTargetInput('t', { inputPath: '$.detail', input: '{}' })).toThrow(
      'Only one of Input, InputPath, or InputTransformer must be provided for target t.',
    );
  });

  it('refuses a constant Input that is not JSON and a path that does not start at $', () => {
    expect(() => validateTargetInput('t', { input: 'not json' })).toThrow(TargetValidationError);
    expect(() => validateTargetInput('t', { inputPath: 'detail.x' })).toThrow(TargetValidationError);
  });
});

describe('JSON paths', () => {
  const document = { a: { 'b-c': [{ d: 1 }, { d: 2 }], 'x/y': 'slash' } };

  it('follow dot notation with dashes and slashes, bracketed names and array indices', () => {
    expect(readJsonPath(document, '$.a.b-c[1].d')).toBe(2);
    expect(readJsonPath(document, "$.a['b-c'][0]")).toEqual({ d: 1 });
    expect(readJsonPath(document, '$.a.x/y')).toBe('slash');
    expect(readJsonPath(document, '$')).toEqual(document);
  });

  it('collect everything a wildcard reaches into a list', () => {
    expect(readJsonPath(document, '$.a.b-c[*].d')).toEqual([1, 2]);
    expect(readJsonPath(document, '$.a.b-c.*.d')).toEqual([1, 2]);
  });

  it('reach nothing past a missing field or index', () => {
    expect(readJsonPath(document, '$.a.b-c[5].d')).toBeUndefined();
    expect(readJsonPath(document, '$.z.y')).toBeUndefined();
  });
});
