// S3 PutObject, the one object operation the functions call (bulletin): a signed PUT of the object's bytes,
// through ./client.ts's sign-and-retry loop. Virtual-hosted addresses on AWS (`<bucket>.s3.<region>…`);
// path-style (`<endpoint>/<bucket>/<key>`) when an endpoint is set (AWS_ENDPOINT_URL_S3: the local engine).
// The bucket's default encryption (SSE-KMS with the engine's key) applies; nothing is sent to ask for it.
import { AwsJsonClient, AwsServiceError, type ClientOptions, type HttpResponse } from './client.ts';
import { xmlText } from './sns.ts';

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: string;
  ContentType: string;
}
export interface ObjectSummary {
  Key: string;
  LastModified?: string;
  Size?: number;
}
export interface Objects {
  putObject(input: PutObjectInput): Promise<void>;
}
export interface ObjectLists {
  /** ListObjectsV2 under a prefix, every page. */
  listObjects(bucket: string, prefix: string): Promise<ObjectSummary[]>;
}

export const S3 = { signingName: 's3', envName: 'S3', targetPrefix: '', jsonVersion: '1.0' } as const;

/** Key characters the signer takes as they are; anything else would need S3's own escaping rules. */
const PLAIN_KEY = /^[A-Za-z0-9\-._~/]+$/;

/** `<Error><Code/><Message/><RequestId/></Error>` → the service error. */
function s3Error(res: HttpResponse, attempts: number): AwsServiceError {
  const requestId = xmlText(res.body, 'RequestId');
  return new AwsServiceError(
    xmlText(res.body, 'Code') ?? `Http${res.status}Error`,
    xmlText(res.body, 'Message') ?? `s3 answered HTTP ${res.status}`,
    res.status >= 500 ? 'server' : 'client',
    { httpStatusCode: res.status, ...(requestId === undefined ? {} : { requestId }), attempts },
  );
}

/** The `<Contents>` of a ListObjectsV2 answer, and its continuation token when truncated. */
export function listResult(xml: string): { objects: ObjectSummary[]; next?: string } {
  const objects: ObjectSummary[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const part = m[1]!;
    const key = xmlText(part, 'Key');
    if (key === undefined) continue;
    const modified = xmlText(part, 'LastModified');
    const size = xmlText(part, 'Size');
    objects.push({
      Key: key,
      ...(modified === undefined ? {} : { LastModified: modified }),
      ...(size === undefined ? {} : { Size: Number(size) }),
    });
  }
  const next = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
  return next === undefined ? { objects } : { objects, next };
}

export class S3ObjectClient implements Objects, ObjectLists {
  private readonly client: AwsJsonClient;
  private readonly pathStyle: boolean;

  constructor(options: ClientOptions = {}) {
    this.client = new AwsJsonClient(S3, options);
    this.pathStyle =
      options.endpoint !== undefined ||
      process.env.AWS_ENDPOINT_URL_S3 !== undefined ||
      process.env.AWS_ENDPOINT_URL !== undefined;
  }

  /** The object's URL: path-style under a set endpoint, virtual-hosted on AWS. */
  objectUrl(bucket: string, key: string): URL {
    if (!PLAIN_KEY.test(key) || key.startsWith('/'))
      throw new Error(`S3 key "${key}": only letters, digits and - . _ ~ / (not leading) are sent`);
    const base = this.client.endpoint;
    if (this.pathStyle) return new URL(`${base.pathname.replace(/\/$/, '')}/${bucket}/${key}`, base);
    return new URL(`${base.protocol}//${bucket}.${base.host}/${key}`);
  }

  /** The bucket's URL (path-style under a set endpoint, virtual-hosted on AWS) with a query string. */
  bucketUrl(bucket: string, query: URLSearchParams): URL {
    const base = this.client.endpoint;
    const url = this.pathStyle
      ? new URL(`${base.pathname.replace(/\/$/, '')}/${bucket}/`, base)
      : new URL(`${base.protocol}//${bucket}.${base.host}/`);
    query.sort();
    url.search = query.toString().replace(/\+/g, '%20');
    return url;
  }

  async listObjects(bucket: string, prefix: string): Promise<ObjectSummary[]> {
    const out: ObjectSummary[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix });
      if (token) query.set('continuation-token', token);
      const page = await this.client.send('', {}, listResult, s3Error, {
        method: 'GET',
        url: this.bucketUrl(bucket, query),
      });
      out.push(...page.objects);
      token = page.next;
    } while (token);
    return out;
  }

  putObject(input: PutObjectInput): Promise<void> {
    return this.client.send(input.Body, { 'content-type': input.ContentType }, () => undefined, s3Error, {
      method: 'PUT',
      url: this.objectUrl(input.Bucket, input.Key),
    });
  }
}
