import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock.ts';
import {
  InlineRuntime,
  type InvocationRecord,
  LambdaFunctionError,
  LocalLambdaFunction,
  lambdaEnvironment,
  resolveHandler,
  WorkerRuntime,
} from '../../local/lambda.ts';

let directory: string;
const functions: LocalLambdaFunction[] = [];

/** Writes a handler module (the bundle a function would have in cdk.out) and returns its path. */
function bundle(name: string, source: string): string {
  const file = join(directory, `${name}.mjs`);
  writeFileSync(file, source);
  return file;
}

function workerFunction(
  name: string,
  file: string,
  options: { environment?: Record<string, string>; timeoutSeconds?: number; exportName?: string } = {},
) {
  const runtime = new WorkerRuntime({
    file,
    exportName: options.exportName ?? 'handler',
    environment: {
      ...lambdaEnvironment({ functionName: name, region: 'cn-northwest-1', memorySize: 256 }),
      ...options.environment,
    },
    logs: 'silent',
  });
  const fn = new LocalLambdaFunction({
    name,
    runtime,
    region: 'cn-northwest-1',
    account: '123456789012',
    memorySize: 256,
    timeoutSeconds: options.timeoutSeconds ?? 10,
    log: () => {},
  });
  functions.push(fn);
  return { fn, runtime };
}

async function failure(run: () => Promise<unknown>): Promise<LambdaFunctionError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof LambdaFunctionError) return error;
    throw error;
  }
  throw new Error('expected the invocation to fail');
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'rankwatch-lambda-'));
  bundle(
    'echo',
    `let invocations = 0;
export const handler = async (event, context) => {
  invocations += 1;
  return {
    event,
    invocations,
    env: { FOO: process.env.FOO, name: process.env.AWS_LAMBDA_FUNCTION_NAME, region: process.env.AWS_REGION,
           host: process.env.RANKWATCH_HOST_ONLY ?? null, key: process.env.AWS_ACCESS_KEY_ID },
    context: { awsRequestId: context.awsRequestId, functionName: context.functionName,
               invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
               remaining: context.getRemainingTimeInMillis() },
  };
};`,
  );
  bundle(
    'failing',
    `export const handler = async (event) => {
  const error = new RangeError('value out of range: ' + event.value);
  throw error;
};`,
  );
  bundle(
    'slow',
    `let started = 0;
export const handler = async (event) => {
  started += 1;
  if (event.sleep) await new Promise((resolve) => setTimeout(resolve, event.sleep));
  return { started };
};`,
  );
  bundle(
    'callback',
    `export function handler(event, context, callback) {
  setTimeout(() => callback(null, { doubled: event.n * 2 }), 5);
}`,
  );
  bundle(
    'slow-init',
    `await new Promise((resolve) => setTimeout(resolve, 600));
export const handler = async (event, context) => ({ remaining: context.getRemainingTimeInMillis() });`,
  );
  bundle('noexport', 'export const other = () => 1;');
  bundle('index', 'export const main = async () => "found";');
});

afterEach(async () => {
  await Promise.all(functions.splice(0).map((fn) => fn.close()));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('a function in worker threads', () => {
  it('runs the bundle’s handler with the event and a Lambda context', async () => {
    const { fn } = workerFunction('rankwatch-ingest', join(directory, 'echo.mjs'));
    const out = (await fn.invoke({ detail: { value: 1 } })) as {
      event: unknown;
      context: Record<string, unknown> & { remaining: number };
    };
    expect(out.event).toEqual({ detail: { value: 1 } });
    expect(out.context).toMatchObject({
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionName: 'rankwatch-ingest',
      invokedFunctionArn: 'arn:aws:lambda:cn-northwest-1:123456789012:function:rankwatch-ingest',
      memoryLimitInMB: '256',
    });
    expect(out.context.remaining).toBeGreaterThan(8000);
    expect(out.context.remaining).toBeLessThanOrEqual(10_000);
  });

  it('gives each function its own environment and none of this process’s', async () => {
    process.env.RANKWATCH_HOST_ONLY = 'secret';
    try {
      const a = workerFunction('fn-a', join(directory, 'echo.mjs'), { environment: { FOO: 'a' } }).fn;
      const b = workerFunction('fn-b', join(directory, 'echo.mjs'), { environment: { FOO: 'b' } }).fn;
      const [outA, outB] = (await Promise.all([a.invoke({}), b.invoke({})])) as {
        env: Record<string, unknown>;
      }[];
      expect(outA?.env).toEqual({
        FOO: 'a',
        name: 'fn-a',
        region: 'cn-northwest-1',
        host: null,
        key: 'local',
      });
      expect(outB?.env).toEqual({
        FOO: 'b',
        name: 'fn-b',
        region: 'cn-northwest-1',
        host: null,
        key: 'local',
      });
      expect(process.env.FOO).toBeUndefined();
    } finally {
      delete process.env.RANKWATCH_HOST_ONLY;
    }
  });

  it('keeps module state between invocations of a warm environment, and starts another for concurrent ones', async () => {
    const { fn, runtime } = workerFunction('slow', join(directory, 'slow.mjs'));
    expect(await fn.invoke({})).toEqual({ started: 1 });
    expect(await fn.invoke({})).toEqual({ started: 2 });
    const concurrent = (await Promise.all([fn.invoke({ sleep: 100 }), fn.invoke({ sleep: 100 })])) as {
      started: number;
    }[];
    expect(concurrent.map((o) => o.started).sort()).toEqual([1, 3]);
    expect(runtime.environments).toBe(2);
  });

  it('reports a thrown error as a function error with its type and message', async () => {
    const { fn } = workerFunction('failing', join(directory, 'failing.mjs'));
    const error = await failure(() => fn.invoke({ value: 42 }));
    expect(error.payload.errorType).toBe('RangeError');
    expect(error.payload.errorMessage).toBe('value out of range: 42');
    expect(error.payload.stackTrace?.[0]).toContain('failing.mjs');
  });

  it('times out a slow invocation and replaces its environment', async () => {
    const { fn, runtime } = workerFunction('slow', join(directory, 'slow.mjs'), { timeoutSeconds: 0.2 });
    const error = await failure(() => fn.invoke({ sleep: 5000 }));
    expect(error.payload).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.20 seconds',
    });
    expect(runtime.environments).toBe(0);
    expect(await fn.invoke({})).toEqual({ started: 1 });
  });

  it('starts the function timeout after a new environment’s init, as Lambda counts init apart', async () => {
    // The bundle's import takes 0.6 s, three times the 0.2 s timeout: only the handler's run is timed.
    const { fn } = workerFunction('slow-init', join(directory, 'slow-init.mjs'), { timeoutSeconds: 0.2 });
    const out = (await fn.invoke({})) as { remaining: number };
    expect(out.remaining).toBeGreaterThan(100);
    expect(out.remaining).toBeLessThanOrEqual(200);
  });

  it('supports callback handlers and says when the handler is not exported', async () => {
    const callback = workerFunction('callback', join(directory, 'callback.mjs')).fn;
    expect(await callback.invoke({ n: 21 })).toEqual({ doubled: 42 });
    const missing = workerFunction('noexport', join(directory, 'noexport.mjs')).fn;
    const error = await failure(() => missing.invoke({}));
    expect(error.payload.errorType).toBe('Runtime.HandlerNotFound');
  });

  it('retries a failing asynchronous invocation twice, then hands the on-failure destination the record', async () => {
    const records: InvocationRecord[] = [];
    const runtime = new WorkerRuntime({
      file: join(directory, 'failing.mjs'),
      environment: lambdaEnvironment({ functionName: 'failing', region: 'cn-northwest-1' }),
      logs: 'silent',
    });
    const fn = new LocalLambdaFunction({
      name: 'failing',
      runtime,
      region: 'cn-northwest-1',
      account: '123456789012',
      asyncInvokeConfig: {
        retryDelaysSeconds: [0.01, 0.02],
        onFailure: (record) => void records.push(record),
      },
      log: () => {},
    });
    functions.push(fn);
    const { requestId, statusCode } = fn.invokeAsync({ value: 7 });
    expect(statusCode).toBe(202);
    await fn.drain();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId,
        functionArn: 'arn:aws:lambda:cn-northwest-1:123456789012:function:failing:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { value: 7 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'RangeError', errorMessage: 'value out of range: 7' },
    });
  });
});

describe('asynchronous invocation', () => {
  function inline(
    handler: (event: unknown) => unknown,
    config: ConstructorParameters<typeof LocalLambdaFunction>[0]['asyncInvokeConfig'] = {},
  ) {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const successes: InvocationRecord[] = [];
    const failures: InvocationRecord[] = [];
    const fn = new LocalLambdaFunction({
      name: 'escalate',
      clock,
      runtime: new InlineRuntime(
        async (event) => {
          attempts.push(clock.now());
          return handler(event);
        },
        { clock },
      ),
      asyncInvokeConfig: {
        onSuccess: (record) => void successes.push(record),
        onFailure: (record) => void failures.push(record),
        ...config,
      },
      log: () => {},
    });
    return { clock, fn, attempts, successes, failures };
  }

  it('waits one minute before the first retry and two before the second, as Lambda does', async () => {
    const { clock, fn, attempts, failures } = inline(() => {
      throw new Error('store unavailable');
    });
    const start = clock.now();
    fn.invokeAsync({ n: 1 });
    expect(fn.idle).toBe(false);
    await clock.advance(59_999);
    expect(attempts.map((at) => at - start)).toEqual([0]);
    await clock.advance(1);
    expect(attempts.map((at) => at - start)).toEqual([0, 60_000]);
    await clock.advance(120_000);
    await fn.drain();
    expect(attempts.map((at) => at - start)).toEqual([0, 60_000, 180_000]);
    expect(fn.idle).toBe(true);
    expect(
      failures.map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount]),
    ).toEqual([['RetriesExhausted', 3]]);
    expect(failures[0]?.responsePayload).toEqual({ errorType: 'Error', errorMessage: 'store unavailable' });
  });

  it('sends the on-success record when a retry succeeds', async () => {
    let calls = 0;
    const { clock, fn, successes, failures } = inline(() => {
      calls += 1;
      if (calls === 1) throw new Error('once');
      return { escalated: 2 };
    });
    fn.invokeAsync({});
    await clock.advance(60_000);
    await fn.drain();
    expect(failures).toEqual([]);
    expect(
      successes.map((r) => [
        r.requestContext.condition,
        r.requestContext.approximateInvokeCount,
        r.responsePayload,
      ]),
    ).toEqual([['Success', 2, { escalated: 2 }]]);
    expect(successes[0]?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });

  it('does not retry with maximumRetryAttempts 0', async () => {
    const { fn, attempts, failures } = inline(
      () => {
        throw new Error('no');
      },
      { maximumRetryAttempts: 0 },
    );
    fn.invokeAsync({});
    await fn.drain();
    expect(attempts).toHaveLength(1);
    expect(failures.map((r) => r.requestContext.approximateInvokeCount)).toEqual([1]);
  });

  it('gives up when the next retry would exceed the maximum event age', async () => {
    const { clock, fn, attempts, failures } = inline(
      () => {
        throw new Error('no');
      },
      { maximumEventAgeInSeconds: 90 },
    );
    fn.invokeAsync({});
    await clock.advance(10 * 60_000);
    await fn.drain();
    expect(attempts).toHaveLength(2);
    expect(failures.map((r) => r.requestContext.condition)).toEqual(['EventAgeExceeded']);
  });

  it('drops a retry still waiting on close, leaving no timer behind', async () => {
    const { clock, fn, attempts } = inline(() => {
      throw new Error('no');
    });
    fn.invokeAsync({});
    await clock.advance(0);
    expect(attempts).toHaveLength(1);
    expect(clock.pendingTimers).toBe(1);
    await fn.close();
    expect(clock.pendingTimers).toBe(0);
    expect(fn.idle).toBe(true);
  });

  it('refuses more than two retries', () => {
    expect(
      () =>
        new LocalLambdaFunction({
          name: 'x',
          runtime: new InlineRuntime(() => null),
          asyncInvokeConfig: { maximumRetryAttempts: 3 },
        }),
    ).toThrow(RangeError);
  });

  it('times out an inline invocation on the injected clock', async () => {
    const clock = new ManualClock();
    const fn = new LocalLambdaFunction({
      name: 'stuck',
      clock,
      timeoutSeconds: 3,
      runtime: new InlineRuntime(() => new Promise(() => {}), { clock }),
    });
    const invoked = failure(() => fn.invoke({}));
    await clock.advance(3000);
    expect((await invoked).payload.errorType).toBe('Sandbox.Timedout');
  });
});

describe('handler strings', () => {
  it('resolve to the module file and export as the Node.js runtime does', () => {
    expect(resolveHandler(directory, 'index.main')).toEqual({
      file: join(directory, 'index.mjs'),
      exportName: 'main',
    });
    expect(() => resolveHandler(directory, 'missing.handler')).toThrow(/Cannot find module missing/);
    expect(() => resolveHandler(directory, 'handler')).toThrow(/<module>\.<export>/);
  });
});
