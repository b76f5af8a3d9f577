import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultProvider, NoCredentialsError } from '../../../../infra/bundling/sdk/credential-provider.ts';

const VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));
  for (const v of VARIABLES) delete process.env[v];
});
afterEach(() => {
  for (const v of VARIABLES) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

/** A container credentials endpoint on the loopback interface, as ECS or a local Lambda runtime serves it. */
let server: Server;
let endpoint: string;
const requests: { url: string | undefined; authorization: string | undefined }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        AccessKeyId: 'container-key',
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: '2099-01-01T00:00:00Z',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
});

describe("the functions' credential provider", () => {
  it('reads the credentials Lambda puts in the environment, with the session token', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'env-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    process.env.AWS_SESSION_TOKEN = 'env-token';
    expect(await defaultProvider()()).toMatchObject({
      accessKeyId: 'env-key',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-token',
    });
  });

  it('prefers the environment to a container endpoint when both are there', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'env-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint;
    expect((await defaultProvider()()).accessKeyId).toBe('env-key');
    expect(requests).toEqual([]);
  });

  it('asks the container credentials endpoint when the environment has no key, sending its authorisation token', async () => {
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'Bearer local';
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'container-key',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-token',
    });
    expect(credentials.expiration?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    expect(requests).toEqual([{ url: '/credentials', authorization: 'Bearer local' }]);
  });

  it('does not take a key without its secret from the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'env-key';
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint;
    expect((await defaultProvider()()).accessKeyId).toBe('container-key');
  });

  it('fails naming the sources it reads when there is neither, without looking for profiles', async () => {
    process.env.AWS_PROFILE = 'someone';
    const failure = defaultProvider()();
    await expect(failure).rejects.toBeInstanceOf(NoCredentialsError);
    await expect(failure).rejects.toThrow(/AWS_ACCESS_KEY_ID.*AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/);
  });

  it('is what an SDK client resolves its credentials with when given as the default provider', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'env-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    const client = new DynamoDBClient({
      region: 'cn-northwest-1',
      credentialDefaultProvider: defaultProvider,
    });
    expect((await client.config.credentials()).accessKeyId).toBe('env-key');
    client.destroy();
  });
});
