// One Lambda execution environment in a worker thread: imports the function's bundle once (its init), then
// runs one invocation at a time with a Lambda context, answering in JSON as the Lambda runtime API does.

import { parentPort, workerData } from 'node:worker_threads';

interface WorkerSetup {
  file: string;
  exportName: string;
  handlerName: string;
}

interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: string;
  context: {
    awsRequestId: string;
    functionName: string;
    functionVersion: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    logGroupName: string;
    logStreamName: string;
    deadlineMs: number;
  };
}

interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

type Handler = (
  event: unknown,
  context: object,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;

const port = parentPort;
if (!port) throw new Error('lambda-worker.ts runs as a worker thread');
const setup = workerData as WorkerSetup;

function errorPayload(error: unknown, fallbackType = 'Error'): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      stackTrace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: typeof error, errorMessage: String(error) };
}

let handler: Handler | undefined;
let initError: LambdaErrorPayload | undefined;

try {
  const module = (await import(setup.file)) as Record<string, unknown>;
  const exported =
    module[setup.exportName] ?? (module.default as Record<string, unknown> | undefined)?.[setup.exportName];
  if (typeof exported === 'function') handler = exported as Handler;
  else {
    initError = {
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${setup.handlerName} is undefined or not exported`,
    };
  }
} catch (error) {
  const code = (error as { code?: string }).code;
  initError =
    code === 'ERR_MODULE_NOT_FOUND'
      ? { errorType: 'Runtime.ImportModuleError', errorMessage: `Error: ${(error as Error).message}` }
      : errorPayload(error);
}

function run(message: InvokeMessage): Promise<unknown> {
  const { deadlineMs, ...fields } = message.context;
  return new Promise((resolve, reject) => {
    const context = {
      ...fields,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
      done: (error: unknown, result?: unknown) => (error ? reject(error) : resolve(result)),
      succeed: (result?: unknown) => resolve(result),
      fail: (error: unknown) => reject(error),
    };
    const callback = (error: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler!(JSON.parse(message.event), context, callback);
      const usesCallback = handler!.length >= 3;
      if (returned !== null && typeof (returned as Promise<unknown>)?.then === 'function') {
        (returned as Promise<unknown>).then(resolve, reject);
      } else if (!usesCallback) {
        resolve(returned);
      }
    } catch (error) {
      reject(error);
    }
  });
}

port.on('message', (message: InvokeMessage) => {
  if (message.type !== 'invoke') return;
  if (initError) {
    port.postMessage({ type: 'result', id: message.id, error: initError });
    return;
  }
  run(message).then(
    (result) => {
      let payload: string;
      try {
        payload = JSON.stringify(result === undefined ? null : result);
      } catch (error) {
        port.postMessage({
          type: 'result',
          id: message.id,
          error: errorPayload(error, 'Runtime.MarshalError'),
        });
        return;
      }
      port.postMessage({ type: 'result', id: message.id, payload });
    },
    (error: unknown) => port.postMessage({ type: 'result', id: message.id, error: errorPayload(error) }),
  );
});

port.postMessage({ type: 'ready' });
