// An AWS JSON-protocol endpoint on 127.0.0.1 for tests of the functions' real wiring (their handlers build
// the small JSON clients of functions/shared/aws from the environment): point AWS_ENDPOINT_URL at `url`,
// answer operations by X-Amz-Target, and read back what was sent — target, parsed body, headers.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  /** X-Amz-Target, e.g. `DynamoDB_20120810.PutItem`. */
  target: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** An answer: a body (200), or a status with an error body. */
export type StubAnswer = Record<string, unknown> | { status: number; body: Record<string, unknown> };
export type StubHandler = (body: Record<string, unknown>, request: StubRequest) => StubAnswer;

export interface AwsStub {
  url: string;
  requests: StubRequest[];
  /** Bodies sent to one target. */
  sent(target: string): Record<string, unknown>[];
  close(): Promise<void>;
}

const isError = (a: StubAnswer): a is { status: number; body: Record<string, unknown> } =>
  typeof (a as { status?: unknown }).status === 'number' &&
  typeof (a as { body?: unknown }).body === 'object';

export async function startAwsStub(handlers: Record<string, StubHandler>): Promise<AwsStub> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const request = { target, body, headers: req.headers };
      requests.push(request);
      const handler = handlers[target];
      const answer: StubAnswer = handler
        ? handler(body, request)
        : { status: 400, body: { __type: 'UnknownOperationException', message: `stub has no ${target}` } };
      const [status, payload] = isError(answer) ? [answer.status, answer.body] : [200, answer];
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `stub-${requests.length}`,
      });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent: (target) => requests.filter((r) => r.target === target).map((r) => r.body),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
