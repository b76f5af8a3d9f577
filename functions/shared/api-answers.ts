// The HTTP API's answers, shared by the functions behind it (query, dashboard): JSON bodies, problems that name
// the field in Chinese and English, the Lambda size limit, and what each kind of failure becomes — 400 for a
// bad parameter, 403 for a caller its route does not admit, 404, 409 for a conflict or for stored data that no
// longer agrees with its hash chain, 500 for anything else (logged).
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConflictError, ForbiddenError, NotFoundError } from './alert-routes.ts';
import { BadRequestError, say, type Text } from './query-params.ts';
import { IntegrityError } from './verification.ts';

export type Response = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** Lambda's response limit is 6 MB; beyond this the caller is asked to page. */
export const MAX_BODY_BYTES = 5_500_000;

export const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

export const problem = (statusCode: number, code: string, field: string | null, message: Text): Response =>
  json(statusCode, { error: code, ...(field === null ? {} : { field }), message });

export const noRoute = (routeKey: string): Response =>
  problem(404, 'no_route', null, say(`没有此接口：${routeKey}`, `no such route: ${routeKey}`));

type Log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;

/** Runs one route and turns what it throws into the API's answer; a body over the limit is a 413. */
export async function answer(routeKey: string, run: () => Promise<Response>, log: Log): Promise<Response> {
  try {
    const response = await run();
    if (Buffer.byteLength(response.body) > MAX_BODY_BYTES)
      return problem(
        413,
        'too_large',
        'limit',
        say(
          '结果过大，请用 limit 和 offset 分页，或不带 include=indicators',
          'the result is too large: page it with limit and offset, or leave out include=indicators',
        ),
      );
    return response;
  } catch (e) {
    if (e instanceof BadRequestError) return problem(400, 'bad_request', e.field, e.text);
    if (e instanceof ForbiddenError) return problem(403, 'forbidden', null, e.text);
    if (e instanceof NotFoundError) return problem(404, 'not_found', null, e.text);
    if (e instanceof ConflictError) return problem(409, e.code, null, e.text);
    if (e instanceof IntegrityError) {
      // Not a client error and not a retryable one: the table no longer agrees with its hash chain.
      log('error', 'integrity check failed', { routeKey, where: e.where, reason: e.reason });
      return json(409, {
        error: 'integrity',
        where: e.where,
        reason: e.reason,
        message: say(
          `存储的数据与哈希链不一致（${e.where}：${e.reason}），不予作答；请运行 rankwatch verify 并报告`,
          `the stored data does not agree with the hash chain (${e.where}: ${e.reason}); no answer is given — run rankwatch verify and report it`,
        ),
      });
    }
    log('error', 'query failed', { routeKey, error: String(e) });
    return problem(500, 'internal', null, say('查询失败，请稍后重试', 'the query failed; try again later'));
  }
}
