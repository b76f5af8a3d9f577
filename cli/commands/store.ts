// Commands that talk to the snapshot store: `scheme put` (validate and store a scheme version, activate it)
// and `verify` (walk the hash chains). The table is the running local engine's by default (found through
// `.rankwatch/engine.json`), a DynamoDB endpoint with --endpoint, or AWS with --aws.
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadSchemeText } from '../../domain/scheme.ts';
import { documentClient, sdkDynamo } from '../../functions/shared/aws/sdk.ts';
import { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { verdictText } from '../text.ts';

export interface StoreOptions {
  table?: string;
  endpoint?: string;
  region?: string;
  aws?: boolean;
}

/** Table and endpoint when given by RANKWATCH_* variables instead of flags. */
export const LOCAL_DEFAULTS = {
  table: process.env.RANKWATCH_TABLE ?? 'rankwatch',
  endpoint: process.env.RANKWATCH_DYNAMODB_ENDPOINT ?? 'http://127.0.0.1:8000',
};

/** The store: an explicit endpoint or AWS as asked, else the running local engine's table. */
export async function storeFor(opts: StoreOptions): Promise<DynamoAssessmentStore> {
  if (opts.aws || opts.endpoint || process.env.RANKWATCH_DYNAMODB_ENDPOINT) return storeFrom(opts);
  const { resolveTarget } = await import('../engine-client.ts');
  return (await resolveTarget({ ...(opts.table ? { table: opts.table } : {}) })).store();
}

export function storeFrom(opts: StoreOptions): DynamoAssessmentStore {
  const client = opts.aws
    ? new DynamoDBClient(opts.region ? { region: opts.region } : {})
    : new DynamoDBClient({
        endpoint: opts.endpoint ?? LOCAL_DEFAULTS.endpoint,
        region: opts.region ?? 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
  return new DynamoAssessmentStore(sdkDynamo(documentClient(client)), opts.table ?? LOCAL_DEFAULTS.table);
}

function explainConnection(e: unknown, opts: StoreOptions): never {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (!opts.aws && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(err.message))))
    throw new Error(
      `本地引擎未运行 / the local engine is not running (no DynamoDB at ${opts.endpoint ?? LOCAL_DEFAULTS.endpoint}); start it with \`npm start -- --serve\` or pass --aws`,
    );
  throw e;
}

export async function schemePutCommand(
  file: string | undefined,
  opts: StoreOptions,
  io: CommandIo,
): Promise<number> {
  if (!file)
    throw new UsageError(
      'a scheme file is required',
      'rankwatch scheme put FILE [--table NAME] [--endpoint URL | --aws]',
    );
  const scheme = loadSchemeText(await readFile(file, 'utf8'), file);
  const store = await storeFor(opts);
  try {
    const { created } = await store.putScheme(scheme);
    io.stdout(
      `${created ? '已保存并启用' : '已启用（该版本已存在）'} / ${created ? 'stored and activated' : 'activated (version already stored)'}: ${scheme.id} ${scheme.version}\n`,
    );
    return 0;
  } catch (e) {
    explainConnection(e, opts);
  }
}

export async function verifyCommand(
  opts: StoreOptions & { scheme?: string; period?: string },
  io: CommandIo,
): Promise<number> {
  if (!opts.scheme)
    throw new UsageError('--scheme ID is required', 'rankwatch verify --scheme ID [--period P]');
  const store = await storeFor(opts);
  try {
    const v = await store.verify(opts.scheme, opts.period);
    io.stdout(`${verdictText(v)}\n`);
    return v.ok ? 0 : 3;
  } catch (e) {
    explainConnection(e, opts);
  }
}
