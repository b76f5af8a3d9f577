// An AWS JSON-protocol endpoint on 127.0.0.1 for tests of the functions' real wiring (their handlers build
// the small JSON clients of functions/shared/aws from the environment): point AWS_ENDPOINT_URL at `url`,
// answer operations by X-Amz-Target, and read back what was sent — target, parsed body, headers. Built on
// the local emulators' server (local/aws-json-server.ts) with every service on one endpoint.
import type { IncomingHttpHeaders } from 'node:http';
import { AwsApiError, startJsonApiServer } from '../../local/aws-json-server.ts';

export interface StubRequest {
  /** X-Amz-Target, e.g. `DynamoDB_20120810.PutItem`. */
  target: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** Answers one operation; throw AwsApiError for an error answer. */
export type StubHandler = (body: Record<string, unknown>, request: StubRequest) => Record<string, unknown>;

export interface AwsStub {
  url: string;
  requests: StubRequest[];
  /** Bodies sent to one target. */
  sent(target: string): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startAwsStub(handlers: Record<string, StubHandler>): Promise<AwsStub> {
  const requests: StubRequest[] = [];
  const server = await startJsonApiServer({
    service: 'aws-stub',
    targetPrefix: '', // the whole target names the operation: every service answers here
    contentType: 'application/x-amz-json-1.0',
    operate(target, body, headers) {
      const request = { target, body, headers };
      requests.push(request);
      const handler = handlers[target];
      if (!handler) throw new AwsApiError('UnknownOperationException', `stub has no ${target}`);
      return handler(body, request);
    },
  });
  return {
    url: server.url,
    requests,
    sent: (target) => requests.filter((r) => r.target === target).map((r) => r.body),
    close: () => server.close(),
  };
}
