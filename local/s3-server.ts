// S3 objects over HTTP for the local engine, path-style (`/<bucket>/<key>`): PutObject, GetObject and
// ListObjectsV2 on the template's buckets, SigV4-authenticated like the other local services, each object a
// file under `<root>/<bucket>/<key>`. Enough for the bulletin function to write its pages and for the CLI and
// the dashboard to read and list them; no versions, ACLs, multipart uploads or bucket policies.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { AwsApiError, closeServer, type JsonApiServerOptions, type LocalServer } from './aws-json-server.ts';
import { listenOn } from './ports.ts';

export interface S3ServerOptions {
  /** Where objects are kept: `<root>/<bucket>/<key>`. */
  root: string;
  /** The buckets that exist (the template's). */
  buckets: readonly string[];
  port?: number;
  host?: string;
  authenticate?: JsonApiServerOptions['authenticate'];
}

const escapeXml = (v: string) =>
  v.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

function reply(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

function readRaw(request: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => ok(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}

/** Keys under a folder, recursively, as S3 keys (`/`-separated), in lexicographic order. */
function keysUnder(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...keysUnder(path, base));
    else if (!name.endsWith('.content-type')) out.push(relative(base, path).split(sep).join('/'));
  }
  return out.sort();
}

export async function startS3Server(options: S3ServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const root = resolve(options.root);
  const buckets = new Set(options.buckets);
  const server = createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      try {
        const body = await readRaw(request);
        const url = new URL(request.url ?? '/', 'http://local');
        await options.authenticate?.({
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          headers: request.headers,
          body: body.toString('utf8'),
        });
        const [, bucket = '', ...rest] = url.pathname.split('/');
        const key = decodeURIComponent(rest.join('/'));
        if (!buckets.has(bucket))
          throw new AwsApiError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`, 404);
        const bucketDir = join(root, bucket);
        const file = resolve(bucketDir, key);
        if (key && !file.startsWith(bucketDir + sep))
          throw new AwsApiError('InvalidArgument', `Invalid key: ${key}`);
        if (request.method === 'PUT' && key) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, body);
          writeFileSync(
            `${file}.content-type`,
            String(request.headers['content-type'] ?? 'binary/octet-stream'),
          );
          reply(response, 200, '', { etag: `"${requestId.replace(/-/g, '')}"` });
          return;
        }
        if (request.method === 'GET' && key) {
          if (!existsSync(file) || statSync(file).isDirectory())
            throw new AwsApiError('NoSuchKey', 'The specified key does not exist.', 404);
          const type = existsSync(`${file}.content-type`)
            ? readFileSync(`${file}.content-type`, 'utf8')
            : 'binary/octet-stream';
          reply(response, 200, readFileSync(file), { 'content-type': type });
          return;
        }
        if (request.method === 'GET' && url.searchParams.get('list-type') === '2') {
          const prefix = url.searchParams.get('prefix') ?? '';
          const contents = keysUnder(bucketDir, bucketDir)
            .filter((k) => k.startsWith(prefix))
            .map((k) => {
              const st = statSync(join(bucketDir, k));
              return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${st.mtime.toISOString()}</LastModified><Size>${st.size}</Size></Contents>`;
            });
          reply(
            response,
            200,
            `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${contents.length}</KeyCount><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`,
            { 'content-type': 'application/xml' },
          );
          return;
        }
        throw new AwsApiError(
          'NotImplemented',
          `${request.method} ${url.pathname} is not served locally`,
          501,
        );
      } catch (e) {
        const [status, code, message] =
          e instanceof AwsApiError
            ? [e.status, e.code, e.message]
            : [500, 'InternalError', e instanceof Error ? e.message : String(e)];
        reply(
          response,
          status,
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
          { 'content-type': 'application/xml' },
        );
      }
    })();
  });
  const { port, url } = await listenOn(server, options.port, host);
  return { url, port, close: () => closeServer(server) };
}
