// `rankwatch … --aws --table T` run in-process against DynamoDB Local: the CLI's AWS path with the endpoint
// and local credentials in the environment, its output captured.
import { vi } from 'vitest';
import { run } from '../../cli/main.ts';
import { LOCAL_REGION } from '../../local/dynamodb-local.ts';

export function cliOnTable(endpoint: string, table: () => string, scheme: string) {
  return async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
    vi.stubEnv('AWS_REGION', LOCAL_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    try {
      const code = await run([...args, '--scheme', scheme, '--aws', '--table', table()], {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
      });
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      vi.unstubAllEnvs();
    }
  };
}
