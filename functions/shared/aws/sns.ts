// SNS Publish, the one operation the functions call (notify): SNS speaks the awsQuery protocol — a form-encoded
// POST (`Action=Publish&Version=2010-03-31&…`) answered in XML — so this client encodes and decodes that, and
// signs, sends and retries through ./client.ts like the JSON clients.
import { AwsJsonClient, AwsServiceError, type ClientOptions, type HttpResponse } from './client.ts';

export interface SnsMessageAttribute {
  DataType: 'String' | 'String.Array' | 'Number';
  StringValue: string;
}
export interface PublishInput {
  TopicArn: string;
  Message: string;
  Subject?: string;
  MessageAttributes?: Record<string, SnsMessageAttribute>;
}
export interface PublishOutput {
  MessageId: string;
}
export interface Topics {
  publish(input: PublishInput): Promise<PublishOutput>;
}

export const SNS = {
  signingName: 'sns',
  envName: 'SNS',
  targetPrefix: '',
  jsonVersion: '1.0',
  version: '2010-03-31',
} as const;

/** RFC 3986 percent-encoding, as the SDK's awsQuery serialiser writes form values. */
const encode = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The form body of a Publish: attributes as `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}`. */
export function publishForm(input: PublishInput): string {
  const pairs: [string, string][] = [
    ['Action', 'Publish'],
    ['Version', SNS.version],
    ['TopicArn', input.TopicArn],
    ['Message', input.Message],
  ];
  if (input.Subject !== undefined) pairs.push(['Subject', input.Subject]);
  Object.entries(input.MessageAttributes ?? {}).forEach(([name, a], i) => {
    const at = `MessageAttributes.entry.${i + 1}`;
    pairs.push(
      [`${at}.Name`, name],
      [`${at}.Value.DataType`, a.DataType],
      [`${at}.Value.StringValue`, a.StringValue],
    );
  });
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Text of the first `<tag>` in an XML answer, entities decoded. */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1]?.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : (ENTITIES[e] ?? all),
  );
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` → the service error. */
function queryError(res: HttpResponse, attempts: number): AwsServiceError {
  const code = xmlText(res.body, 'Code') ?? `Http${res.status}Error`;
  const requestId = xmlText(res.body, 'RequestId');
  return new AwsServiceError(
    code,
    xmlText(res.body, 'Message') ?? `sns answered HTTP ${res.status}`,
    res.status >= 500 || xmlText(res.body, 'Type') === 'Receiver' ? 'server' : 'client',
    { httpStatusCode: res.status, ...(requestId === undefined ? {} : { requestId }), attempts },
  );
}

export class SnsQueryClient implements Topics {
  private readonly client: AwsJsonClient;

  constructor(options: ClientOptions = {}) {
    this.client = new AwsJsonClient(SNS, options);
  }

  publish(input: PublishInput): Promise<PublishOutput> {
    return this.client.send(
      publishForm(input),
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      (xml) => {
        const id = xmlText(xml, 'MessageId');
        if (!id) throw new Error(`SNS Publish answered without a MessageId: ${xml.slice(0, 200)}`);
        return { MessageId: id };
      },
      queryError,
    );
  }
}
