// SNS Publish over HTTP for the local engine (the awsQuery protocol: a form-encoded POST, XML answers), so
// the bundled notify function reaches the template's topics as it reaches SNS on AWS: signed, and allowed by
// its role's sns:Publish. Only Publish is served; the topics themselves are local/sns.ts.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import {
  AwsApiError,
  closeServer,
  type JsonApiServerOptions,
  type LocalServer,
  readBody,
} from './aws-json-server.ts';
import { listenOn } from './ports.ts';
import { type LocalSnsTopic, SnsError, type SnsMessageAttribute } from './sns.ts';

export interface SnsServerOptions {
  /** The topic an ARN names, if the engine has it. */
  topic(arn: string): LocalSnsTopic | undefined;
  port?: number;
  host?: string;
  /** Checks the SigV4 signature and returns the caller, as for the JSON servers. */
  authenticate?: JsonApiServerOptions['authenticate'];
  /** A refusal message when the caller may not publish to the topic (sns:Publish), else undefined. */
  authorise?(caller: unknown, topicArn: string): string | undefined;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const escapeXml = (v: string) =>
  v.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

function answer(response: ServerResponse, status: number, xml: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  response.end(xml);
}

/** The attributes of a Publish form, `MessageAttributes.entry.N.*`, by name. */
function attributesOf(form: URLSearchParams): Record<string, SnsMessageAttribute> {
  const attributes: Record<string, SnsMessageAttribute> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const at = `MessageAttributes.entry.${n}`;
    const dataType = form.get(`${at}.Value.DataType`) ?? '';
    if (!/^(String|Number|Binary)(\.[A-Za-z0-9_-]+)?$/.test(dataType))
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${form.get(`${at}.Name`)}' has an invalid message attribute type`,
      );
    attributes[form.get(`${at}.Name`)!] = {
      dataType,
      stringValue: form.get(`${at}.Value.StringValue`) ?? '',
    };
  }
  return attributes;
}

export async function startSnsServer(options: SnsServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      try {
        if (request.method === 'GET') {
          answer(response, 200, '<Health>ok</Health>');
          return;
        }
        const body = await readBody(request);
        const caller = await options.authenticate?.({
          method: request.method ?? 'POST',
          url: request.url ?? '/',
          headers: request.headers,
          body,
        });
        const form = new URLSearchParams(body);
        if (form.get('Action') !== 'Publish')
          throw new AwsApiError(
            'InvalidAction',
            `The action ${form.get('Action')} is not valid for this endpoint.`,
          );
        const topicArn = form.get('TopicArn');
        const message = form.get('Message');
        if (!topicArn) throw new AwsApiError('InvalidParameter', 'Invalid parameter: TopicArn');
        if (message === null) throw new AwsApiError('InvalidParameter', 'Invalid parameter: Message');
        const refused = options.authorise?.(caller, topicArn);
        if (refused !== undefined) throw new AwsApiError('AuthorizationError', refused, 403);
        const topic = options.topic(topicArn);
        if (!topic) throw new AwsApiError('NotFound', 'Topic does not exist', 404);
        const subject = form.get('Subject');
        const { messageId } = topic.publish({
          message,
          ...(subject === null ? {} : { subject }),
          messageAttributes: attributesOf(form),
        });
        answer(
          response,
          200,
          `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      } catch (e) {
        const [status, code, message] =
          e instanceof AwsApiError
            ? [e.status, e.code, e.message]
            : e instanceof SnsError
              ? [400, 'InvalidParameter', e.message]
              : [500, 'InternalError', e instanceof Error ? e.message : String(e)];
        answer(
          response,
          status,
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    })();
  });
  const { port, url } = await listenOn(server, options.port, host);
  return { url, port, close: () => closeServer(server) };
}
