// Lambda functions on one machine: the bundled handler from cdk.out run in worker threads (one execution
// environment per worker, each with its own process.env), synchronous and asynchronous invocation with
// Lambda's retries, event age limit and on-success/on-failure destinations.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Clock, systemClock } from './clock.ts';

/** The error a function invocation ends with, as Lambda reports it (`X-Amz-Function-Error: Unhandled`). */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

/** A synchronous invocation that ended in a function error. */
export class LambdaFunctionError extends Error {
  override readonly name = 'LambdaFunctionError';
  readonly functionName: string;
  readonly requestId: string;
  readonly payload: LambdaErrorPayload;

  constructor(functionName: string, requestId: string, payload: LambdaErrorPayload) {
    super(`${functionName} failed (${payload.errorType}): ${payload.errorMessage}`);
    this.functionName = functionName;
    this.requestId = requestId;
    this.payload = payload;
  }
}

/** What a handler's Lambda context is built from. */
export interface InvocationInfo {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /** When the invocation times out, in the runtime's clock (epoch ms). */
  deadlineMs: number;
}

export type InvocationResult = { ok: true; payload: unknown } | { ok: false; error: LambdaErrorPayload };

/** Where a function's code runs. */
export interface LambdaRuntime {
  invoke(event: unknown, info: InvocationInfo, timeoutMs: number): Promise<InvocationResult>;
  close(): Promise<void>;
  /** Its execution environments, for an engine that does not settle. */
  describe?(): string;
}

const timeoutError = (timeoutMs: number): LambdaErrorPayload => ({
  errorType: 'Sandbox.Timedout',
  errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
});

// ---------------------------------------------------------------------------------------------------------
// Worker threads: the faithful runtime

export interface WorkerRuntimeOptions {
  /** The bundle file (`.../asset.<hash>/index.mjs`). */
  file: string;
  /** The export to call, `handler` for `index.handler`. */
  exportName?: string;
  /** The process environment of each execution environment: nothing else of this process leaks in. */
  environment: Record<string, string>;
  /** Execution environments at most; further invocations wait for one to be free. */
  maxEnvironments?: number;
  /** Function output: this process's stdout/stderr (default), dropped, or handed over line by line. */
  logs?: 'inherit' | 'silent' | ((line: string, stream: 'stdout' | 'stderr') => void);
}

interface Environment {
  readonly worker: Worker;
  /** The session token of this environment's credentials: each environment has a session of its own. */
  readonly sessionToken: string;
  busy: boolean;
  /** Resolves when the bundle's init (its import) is over: true when it can serve, false when it died. */
  readonly initialised: Promise<boolean>;
  pending: { id: number; resolve: (result: InvocationResult) => void } | undefined;
}

/** Lambda's limit on an on-demand execution environment's init phase, apart from the function timeout. */
export const INIT_TIMEOUT_MS = 10_000;

const initTimeoutError = (): LambdaErrorPayload => ({
  errorType: 'Sandbox.Timedout',
  errorMessage: `Init timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`,
});

/**
 * Each worker thread is one execution environment: it imports the bundle once (cold start) and serves one
 * invocation at a time, keeping module state between invocations like a warm Lambda. Its `process.env`
 * is its own copy of `environment`. A timeout or crash ends the worker, as Lambda ends the environment.
 */
export class WorkerRuntime implements LambdaRuntime {
  readonly #options: WorkerRuntimeOptions;
  readonly #maxEnvironments: number;
  readonly #environments = new Set<Environment>();
  readonly #waiting: (() => void)[] = [];
  #nextId = 0;
  #started = 0;
  #closed = false;

  constructor(options: WorkerRuntimeOptions) {
    this.#options = options;
    this.#maxEnvironments = options.maxEnvironments ?? 10;
  }

  /** Execution environments currently alive. */
  get environments(): number {
    return this.#environments.size;
  }

  describe(): string {
    const busy = [...this.#environments].filter((e) => e.busy).length;
    return `${this.#environments.size} environment(s), ${busy} busy, ${this.#waiting.length} invocation(s) waiting for one`;
  }

  /**
   * Ends the execution environment whose credentials carry this session token, as a crash would (its
   * invocation in progress fails with Runtime.ExitError). For fault injection; false if none has it.
   */
  async crash(sessionToken: string): Promise<boolean> {
    const environment = [...this.#environments].find((e) => e.sessionToken === sessionToken);
    if (!environment) return false;
    await this.#discard(environment);
    return true;
  }

  async invoke(event: unknown, info: InvocationInfo, timeoutMs: number): Promise<InvocationResult> {
    if (this.#closed) throw new Error('the runtime is closed');
    const environment = await this.#acquire();
    const id = this.#nextId++;
    environment.worker.ref();
    try {
      // A new environment's init (starting the thread, importing the bundle) is not part of the invocation:
      // Lambda limits it on its own (INIT_TIMEOUT_MS) and starts the function timeout once it is over.
      const ready = await this.#initialised(environment);
      if (ready !== true) return { ok: false, error: ready };
      const context: InvocationInfo = { ...info, deadlineMs: Date.now() + timeoutMs };
      return await new Promise<InvocationResult>((resolve) => {
        const timer = setTimeout(() => {
          environment.pending = undefined;
          this.#discard(environment);
          resolve({ ok: false, error: timeoutError(timeoutMs) });
        }, timeoutMs);
        environment.pending = {
          id,
          resolve: (result) => {
            clearTimeout(timer);
            environment.pending = undefined;
            resolve(result);
          },
        };
        environment.worker.postMessage({
          type: 'invoke',
          id,
          event: JSON.stringify(event === undefined ? null : event),
          context,
        });
      });
    } finally {
      environment.worker.unref();
      this.#release(environment);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#environments].map((environment) => this.#discard(environment)));
  }

  /** Waits for the environment's init: true, or the error the invocation ends with (init too slow or died). */
  async #initialised(environment: Environment): Promise<true | LambdaErrorPayload> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      environment.initialised,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), INIT_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === true) return true;
    if (outcome === 'timeout') {
      await this.#discard(environment);
      return initTimeoutError();
    }
    return {
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: the execution environment ended during init',
    };
  }

  async #acquire(): Promise<Environment> {
    for (;;) {
      for (const environment of this.#environments) {
        if (!environment.busy) {
          environment.busy = true;
          return environment;
        }
      }
      if (this.#environments.size < this.#maxEnvironments) {
        const environment = this.#start();
        environment.busy = true;
        return environment;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #release(environment: Environment): void {
    environment.busy = false;
    this.#waiting.shift()?.();
  }

  #start(): Environment {
    const logs = this.#options.logs ?? 'inherit';
    const nodeOptions = this.#options.environment.NODE_OPTIONS ?? '';
    // Lambda gives each execution environment its own role session; the token tells their requests apart.
    const sessionToken = `${this.#options.environment.AWS_SESSION_TOKEN ?? 'local'}-${this.#started++}`;
    const worker = new Worker(new URL('./lambda-worker.ts', import.meta.url), {
      env: { ...this.#options.environment, AWS_SESSION_TOKEN: sessionToken },
      workerData: {
        file: pathToFileURL(this.#options.file).href,
        exportName: this.#options.exportName ?? 'handler',
        handlerName: `${this.#options.file}.${this.#options.exportName ?? 'handler'}`,
      },
      execArgv: nodeOptions.includes('--enable-source-maps') ? ['--enable-source-maps'] : [],
      stdout: logs !== 'inherit',
      stderr: logs !== 'inherit',
    });
    worker.unref();
    if (typeof logs === 'function') {
      createInterface({ input: worker.stdout }).on('line', (line) => logs(line, 'stdout'));
      createInterface({ input: worker.stderr }).on('line', (line) => logs(line, 'stderr'));
    } else if (logs === 'silent') {
      worker.stdout.resume();
      worker.stderr.resume();
    }
    let initialised!: (ready: boolean) => void;
    const environment: Environment = {
      worker,
      sessionToken,
      busy: false,
      pending: undefined,
      initialised: new Promise<boolean>((resolve) => {
        initialised = resolve;
      }),
    };
    worker.on(
      'message',
      (message: { type: string; id?: number; payload?: string; error?: LambdaErrorPayload }) => {
        if (message.type === 'ready') initialised(true);
        const pending = environment.pending;
        if (message.type !== 'result' || pending === undefined || pending.id !== message.id) return;
        pending.resolve(
          message.error
            ? { ok: false, error: message.error }
            : { ok: true, payload: JSON.parse(message.payload ?? 'null') as unknown },
        );
      },
    );
    const crashed = (error: LambdaErrorPayload) => {
      initialised(false);
      this.#environments.delete(environment);
      environment.pending?.resolve({ ok: false, error });
    };
    worker.on('error', (error) =>
      crashed({
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: ${error.message}`,
      }),
    );
    worker.on('exit', (code) =>
      crashed({
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: exit status ${code}`,
      }),
    );
    this.#environments.add(environment);
    return environment;
  }

  async #discard(environment: Environment): Promise<void> {
    this.#environments.delete(environment);
    await environment.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------------
// In-process: for tests of invocation semantics

export type InlineHandler = (event: unknown, context: object) => unknown;

/**
 * Runs a handler function in this process, on the injected clock. Its `environment` is applied to
 * process.env around each call, which is only sound while one invocation runs at a time: functions and
 * concurrent invocations share this process, so use `WorkerRuntime` for anything real.
 */
export class InlineRuntime implements LambdaRuntime {
  readonly #handler: InlineHandler;
  readonly #environment: Record<string, string>;
  readonly #clock: Clock;

  constructor(handler: InlineHandler, options: { environment?: Record<string, string>; clock?: Clock } = {}) {
    this.#handler = handler;
    this.#environment = options.environment ?? {};
    this.#clock = options.clock ?? systemClock;
  }

  async invoke(event: unknown, info: InvocationInfo, timeoutMs: number): Promise<InvocationResult> {
    const { deadlineMs, ...fields } = info;
    const context = {
      ...fields,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - this.#clock.now()),
    };
    const saved = new Map(Object.keys(this.#environment).map((key) => [key, process.env[key]]));
    Object.assign(process.env, this.#environment);
    let cancel: (() => void) | undefined;
    try {
      const timedOut = new Promise<InvocationResult>((resolve) => {
        cancel = this.#clock.setTimeout(
          () => resolve({ ok: false, error: timeoutError(timeoutMs) }),
          timeoutMs,
        );
      });
      const ran = (async (): Promise<InvocationResult> => {
        try {
          // JSON in and out, as over the runtime API.
          const payload = await this.#handler(JSON.parse(JSON.stringify(event ?? null)), context);
          return { ok: true, payload: JSON.parse(JSON.stringify(payload ?? null)) as unknown };
        } catch (error) {
          return {
            ok: false,
            error:
              error instanceof Error
                ? { errorType: error.name, errorMessage: error.message }
                : { errorType: typeof error, errorMessage: String(error) },
          };
        }
      })();
      return await Promise.race([ran, timedOut]);
    } finally {
      cancel?.();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------------------
// The function

/** The record Lambda sends to an asynchronous invocation's destination. */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError?: 'Unhandled' };
  responsePayload: unknown;
}

export interface AsyncInvokeConfig {
  /** 0–2, Lambda's default 2. */
  maximumRetryAttempts?: number;
  /** 60 s – 6 h, Lambda's default 6 h. */
  maximumEventAgeInSeconds?: number;
  /** Waits before the first and second retry; Lambda's are one and two minutes. */
  retryDelaysSeconds?: readonly number[];
  onSuccess?(record: InvocationRecord): void | Promise<void>;
  onFailure?(record: InvocationRecord): void | Promise<void>;
}

export interface LocalLambdaFunctionOptions {
  name: string;
  runtime: LambdaRuntime;
  region?: string;
  account?: string;
  memorySize?: number;
  /** Lambda's default 3 s. */
  timeoutSeconds?: number;
  asyncInvokeConfig?: AsyncInvokeConfig;
  clock?: Clock;
  newId?: () => string;
  /** Notes on async retries and dropped events. Default: console.warn. */
  log?(message: string): void;
}

const DEFAULT_RETRY_DELAYS_SECONDS = [60, 120];

export class LocalLambdaFunction {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly #runtime: LambdaRuntime;
  readonly #memorySize: number;
  readonly #timeoutMs: number;
  readonly #asyncConfig: AsyncInvokeConfig;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #log: (message: string) => void;
  #pendingAsync = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #retries = new Set<() => void>();

  constructor(options: LocalLambdaFunctionOptions) {
    const retries = options.asyncInvokeConfig?.maximumRetryAttempts ?? 2;
    if (!Number.isInteger(retries) || retries < 0 || retries > 2) {
      throw new RangeError(`MaximumRetryAttempts must be 0, 1 or 2, not ${retries}`);
    }
    this.name = options.name;
    this.region = options.region ?? 'us-east-1';
    this.arn = `arn:aws:lambda:${this.region}:${options.account ?? '000000000000'}:function:${options.name}`;
    this.#runtime = options.runtime;
    this.#memorySize = options.memorySize ?? 128;
    this.#timeoutMs = (options.timeoutSeconds ?? 3) * 1000;
    this.#asyncConfig = options.asyncInvokeConfig ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
    this.#log = options.log ?? ((message) => console.warn(message));
  }

  /** RequestResponse: resolves with the function's result, rejects with `LambdaFunctionError`. */
  async invoke(event: unknown): Promise<unknown> {
    const requestId = this.#newId();
    const result = await this.#run(event, requestId);
    if (!result.ok) throw new LambdaFunctionError(this.name, requestId, result.error);
    return result.payload;
  }

  /**
   * Event (asynchronous): queued and answered at once. A function error is retried after Lambda's delays
   * up to `maximumRetryAttempts` times, unless the event has grown older than `maximumEventAgeInSeconds`;
   * then the on-failure destination gets Lambda's invocation record.
   */
  invokeAsync(event: unknown): { requestId: string; statusCode: 202 } {
    const requestId = this.#newId();
    const queuedAt = this.#clock.now();
    const maxRetries = this.#asyncConfig.maximumRetryAttempts ?? 2;
    const maxAgeMs = (this.#asyncConfig.maximumEventAgeInSeconds ?? 6 * 60 * 60) * 1000;
    const delays = this.#asyncConfig.retryDelaysSeconds ?? DEFAULT_RETRY_DELAYS_SECONDS;
    this.#pendingAsync += 1;
    const attempt = async (count: number): Promise<void> => {
      const result = await this.#run(event, requestId);
      if (result.ok) {
        await this.#destination('onSuccess', this.#record(requestId, event, 'Success', count, result));
        this.#asyncDone();
        return;
      }
      const delayMs = (delays[Math.min(count - 1, delays.length - 1)] ?? 0) * 1000;
      if (count > maxRetries) {
        await this.#destination(
          'onFailure',
          this.#record(requestId, event, 'RetriesExhausted', count, result),
        );
        this.#asyncDone();
        return;
      }
      if (this.#clock.now() + delayMs - queuedAt > maxAgeMs) {
        await this.#destination(
          'onFailure',
          this.#record(requestId, event, 'EventAgeExceeded', count, result),
        );
        this.#asyncDone();
        return;
      }
      this.#log(
        `Lambda ${this.name}: 调用失败，${delayMs / 1000} 秒后重试 invocation ${requestId} failed (${result.error.errorType}: ${result.error.errorMessage}); retry ${count} of ${maxRetries} in ${delayMs / 1000} s`,
      );
      const cancel = this.#clock.setTimeout(() => {
        this.#retries.delete(cancel);
        void attempt(count + 1);
      }, delayMs);
      this.#retries.add(cancel);
    };
    queueMicrotask(() => void attempt(1));
    return { requestId, statusCode: 202 };
  }

  /** Resolves when no asynchronous invocation is queued, running or waiting for a retry. */
  drain(): Promise<void> {
    if (this.#pendingAsync === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get pendingAsyncInvocations(): number {
    return this.#pendingAsync;
  }

  /** Whether no asynchronous invocation is queued, running or waiting for a retry. */
  get idle(): boolean {
    return this.#pendingAsync === 0;
  }

  /** Its execution environments (what the runtime says of them), for an engine that does not settle. */
  describe(): string {
    return this.#runtime.describe?.() ?? '';
  }

  /** Drops retries still waiting (so no timer outlives the function) and ends its execution environments. */
  close(): Promise<void> {
    for (const cancel of this.#retries) {
      cancel();
      this.#asyncDone();
    }
    this.#retries.clear();
    return this.#runtime.close();
  }

  async #run(event: unknown, requestId: string): Promise<InvocationResult> {
    const info: InvocationInfo = {
      awsRequestId: requestId,
      functionName: this.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(this.#memorySize),
      logGroupName: `/aws/lambda/${this.name}`,
      logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
      deadlineMs: this.#clock.now() + this.#timeoutMs,
    };
    try {
      return await this.#runtime.invoke(event, info, this.#timeoutMs);
    } catch (error) {
      return {
        ok: false,
        error: {
          errorType: 'Runtime.Unknown',
          errorMessage: error instanceof Error ? error.message : String(error),
        },
      };
    }
  }

  #record(
    requestId: string,
    event: unknown,
    condition: InvocationRecord['requestContext']['condition'],
    attempts: number,
    result: InvocationResult,
  ): InvocationRecord {
    return {
      version: '1.0',
      timestamp: new Date(this.#clock.now()).toISOString(),
      requestContext: {
        requestId,
        functionArn: `${this.arn}:$LATEST`,
        condition,
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(result.ok ? {} : { functionError: 'Unhandled' as const }),
      },
      responsePayload: result.ok ? result.payload : result.error,
    };
  }

  async #destination(kind: 'onSuccess' | 'onFailure', record: InvocationRecord): Promise<void> {
    const send = this.#asyncConfig[kind];
    if (!send) {
      if (kind === 'onFailure') {
        this.#log(
          `Lambda ${this.name}: 异步调用最终失败，事件已丢弃 invocation ${record.requestContext.requestId} failed for good (${record.requestContext.condition}); no on-failure destination, event dropped`,
        );
      }
      return;
    }
    try {
      await send.call(this.#asyncConfig, record);
    } catch (error) {
      this.#log(`Lambda ${this.name}: ${kind} destination failed: ${String(error)}`);
    }
  }

  #asyncDone(): void {
    this.#pendingAsync -= 1;
    if (this.#pendingAsync === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/**
 * Where a handler string (`index.handler`, `src/app.main`) points inside a code directory, as the Node.js
 * runtime resolves it: the module file (`.mjs`, `.js` or `.cjs`) and the export name.
 */
export function resolveHandler(codeDirectory: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Handler ${handler} must be <module>.<export>`);
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const file = join(codeDirectory, modulePath + extension);
    if (existsSync(file)) return { file, exportName };
  }
  throw new Error(
    `Cannot find module ${modulePath} (.mjs, .js or .cjs) in ${codeDirectory} for handler ${handler}`,
  );
}

/** The environment Lambda gives every function, before the function's own variables. */
export function lambdaEnvironment(options: {
  functionName: string;
  region: string;
  memorySize?: number;
  codeDirectory?: string;
}): Record<string, string> {
  return {
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySize ?? 128),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${options.functionName}`,
    // Local credentials: the emulators accept anything, and real AWS credentials never reach local code.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    ...(options.codeDirectory === undefined ? {} : { LAMBDA_TASK_ROOT: options.codeDirectory }),
  };
}
