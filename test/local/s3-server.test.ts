// The local engine's S3 endpoint and the functions' own S3 client against each other: PutObject, GetObject and
// ListObjectsV2 (prefix, path-style) with every request's SigV4 signature verified by the engine's own check
// (query strings included), an unknown bucket, a missing key, a wrong secret.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectClient } from '../../functions/shared/aws/s3.ts';
import { AwsApiError, type LocalServer } from '../../local/aws-json-server.ts';
import { AuthenticationError, authenticate, type LocalPrincipals } from '../../local/principals.ts';
import { startS3Server } from '../../local/s3-server.ts';

const credentials = { accessKeyId: 'LOCALFNbulletin', secretAccessKey: 'LOCALFNbulletin-secret' };
const principal = {
  kind: 'function',
  name: 'bulletin',
  arn: 'arn:aws:iam::000000000000:role/bulletin',
  ...credentials,
  statements: [],
};
const principals = {
  all: [principal],
  byAccessKey: new Map([[credentials.accessKeyId, principal]]),
} as unknown as LocalPrincipals;
const root = mkdtempSync(join(tmpdir(), 'rankwatch-s3-'));
let server: LocalServer;

beforeAll(async () => {
  server = await startS3Server({
    root,
    buckets: ['bulletins-bucket'],
    authenticate: async (request) => {
      try {
        return await authenticate(principals, request);
      } catch (e) {
        if (e instanceof AuthenticationError) throw new AwsApiError(e.code, e.message, e.status);
        throw e;
      }
    },
  });
});
afterAll(() => server.close());

const client = (secret = credentials.secretAccessKey) =>
  new S3ObjectClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { ...credentials, secretAccessKey: secret },
    maxAttempts: 1,
  });

describe('the local S3 server with the functions’ S3 client', () => {
  it('stores a signed PutObject as a file, serves it back and lists it under its prefix', async () => {
    const html = '<!doctype html><p>周分析 W26</p>';
    await client().putObject({
      Bucket: 'bulletins-bucket',
      Key: 'bulletins/gansu/2026-W26-weekly.html',
      Body: html,
      ContentType: 'text/html; charset=utf-8',
    });
    await client().putObject({
      Bucket: 'bulletins-bucket',
      Key: 'bulletins/other/2026-W26-weekly.html',
      Body: 'x',
      ContentType: 'text/html',
    });
    expect(readFileSync(join(root, 'bulletins-bucket/bulletins/gansu/2026-W26-weekly.html'), 'utf8')).toBe(
      html,
    );
    const res = await fetch(`${server.url}/bulletins-bucket/bulletins/gansu/2026-W26-weekly.html`, {
      headers: { authorization: 'none' },
    });
    expect(res.status).toBe(403); // unsigned
    const listed = await client().listObjects('bulletins-bucket', 'bulletins/gansu/');
    expect(listed).toEqual([
      expect.objectContaining({ Key: 'bulletins/gansu/2026-W26-weekly.html', Size: Buffer.byteLength(html) }),
    ]);
    expect(await client().listObjects('bulletins-bucket', 'bulletins/none/')).toEqual([]);
  });

  it('refuses an unknown bucket (NoSuchBucket 404) and a wrong secret (403), named as S3 names them', async () => {
    await expect(
      client().putObject({ Bucket: 'nope', Key: 'a.html', Body: 'x', ContentType: 'text/html' }),
    ).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    await expect(client('wrong').listObjects('bulletins-bucket', 'bulletins/')).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses keys it cannot send as they are', () => {
    expect(() => client().objectUrl('b', 'bulletins/a b.html')).toThrow(/only letters, digits/);
    expect(() => client().objectUrl('b', '/leading.html')).toThrow(/only letters, digits/);
  });
});
