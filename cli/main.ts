// rankwatch command line: dispatches sub-commands; `run` is exported so tests drive it in-process.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateCommand } from './commands/evaluate.ts';
import { type CommandIo, processIo, UsageError } from './io.ts';

const HELP = `rankwatch — 考核排名监测 / performance-assessment engine

用法 Usage:
  rankwatch evaluate --scheme FILE --observations FILE.csv [--format table|json] [--lang zh|en]
  rankwatch demo [--lang zh|en]      评估甘肃场景（离线）/ evaluate the Gansu scenario offline
  rankwatch scheme put FILE [--table T] [--endpoint URL | --aws]   保存并启用方案 / store and activate a scheme
  rankwatch verify --scheme ID [--period P] [--table T] [--endpoint URL | --aws]   校验哈希链 / verify the chain
`;

const STORE_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  aws: { type: 'boolean' },
} as const;

export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'evaluate': {
        const { values } = parseArgs({
          args: rest,
          options: {
            scheme: { type: 'string' },
            observations: { type: 'string' },
            format: { type: 'string' },
            lang: { type: 'string' },
          },
          strict: true,
        });
        return await evaluateCommand(values, io);
      }
      case 'scheme': {
        const [sub, ...args] = rest;
        if (sub !== 'put')
          throw new UsageError(`unknown scheme command "${sub ?? ''}"`, 'rankwatch scheme put FILE');
        const { values, positionals } = parseArgs({
          args,
          options: STORE_OPTIONS,
          allowPositionals: true,
          strict: true,
        });
        const { schemePutCommand } = await import('./commands/store.ts');
        return await schemePutCommand(positionals[0], values, io);
      }
      case 'verify': {
        const { values } = parseArgs({
          args: rest,
          options: { ...STORE_OPTIONS, scheme: { type: 'string' }, period: { type: 'string' } },
          strict: true,
        });
        const { verifyCommand } = await import('./commands/store.ts');
        return await verifyCommand(values, io);
      }
      case 'demo': {
        const { values } = parseArgs({ args: rest, options: { lang: { type: 'string' } }, strict: true });
        const { demoCommand } = await import('./commands/demo.ts');
        return await demoCommand(values, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return command === undefined ? 1 : 0;
      default:
        io.stderr(`rankwatch: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError) {
      io.stderr(`rankwatch: ${e.message}\nusage: ${e.usage}\n`);
      return 2;
    }
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      io.stderr(`rankwatch: ${err.message}\n`);
      return 2;
    }
    if (err.code === 'ENOENT') {
      io.stderr(`rankwatch: file not found: ${(err as Error & { path?: string }).path ?? err.message}\n`);
      return 1;
    }
    io.stderr(`rankwatch: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
const self = realpathSync(fileURLToPath(import.meta.url));
const viaBin = invoked.endsWith('/bin/rankwatch.js') || invoked.endsWith('/rankwatch');
if (invoked === self || viaBin) {
  process.exitCode = await run(process.argv.slice(2));
}
