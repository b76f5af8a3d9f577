// Fault injection for the local engine, on loopback only: a seeded fault plan and an HTTP proxy placed
// between the functions and a local service (DynamoDB Local, the local EventBridge) that answers, drops or
// rewrites requests as the plan decides. DynamoDB Local never throttles and never conflicts, and the local
// EventBridge never fails an entry: these faults are what AWS does to the engine and the emulators do not.
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { mulberry32 } from '../scenarios/gansu/generate.ts';
import type { LocalServer } from './aws-json-server.ts';
import { listenOn } from './ports.ts';

/** The faults the soak injects, by kind (counted under these names). */
export const FAULT_KINDS = [
  'dynamodb-throttling',
  'dynamodb-transaction-cancelled',
  'lambda-crash-after-commit',
  'putevents-partial-retryable',
  'putevents-partial-fatal',
  'putevents-reply-lost',
  'sqs-redelivery',
  'dynamodb-restart',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Probability of each fault per eligible request (or per deleted message, for redelivery). */
export type FaultRates = Partial<Record<Exclude<FaultKind, 'dynamodb-restart'>, number>>;

export interface FaultPlanOptions {
  /**
   * A kind with a rate above 0 that has not been injected after this many eligible requests is injected on the
   * next one, so that a run proves every kind even when the requests' interleaving (which the seed does not fix)
   * makes a rare kind's rolls come up empty. Default: no floor.
   */
  eachKindWithin?: number;
}

/** A seeded source of fault decisions and the count of every fault injected. */
export class FaultPlan {
  readonly seed: number;
  readonly rates: FaultRates;
  readonly injected: Record<FaultKind, number>;
  /** Eligible requests seen per kind since the kind was last injected (while it never has been). */
  readonly #eligible: Record<FaultKind, number>;
  readonly #eachKindWithin: number;
  readonly #random: () => number;
  #enabled = true;

  constructor(seed: number, rates: FaultRates, options: FaultPlanOptions = {}) {
    this.seed = seed;
    this.rates = rates;
    this.#random = mulberry32(seed);
    this.injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    this.#eligible = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    this.#eachKindWithin = options.eachKindWithin ?? Number.POSITIVE_INFINITY;
  }

  /** Stops injecting (the end of a soak lets everything settle without new faults). */
  disable(): void {
    this.#enabled = false;
  }

  /** Whether to inject `kind` now (counted when it is). */
  roll(kind: Exclude<FaultKind, 'dynamodb-restart'>): boolean {
    if (!this.#enabled) return false;
    const rate = this.rates[kind] ?? 0;
    if (rate <= 0) return false;
    const drawn = this.#random() < rate;
    const due = this.injected[kind] === 0 && ++this.#eligible[kind] > this.#eachKindWithin;
    if (!drawn && !due) return false;
    this.injected[kind] += 1;
    return true;
  }

  /** A seeded number in [0, 1) for choices inside a fault (which entries fail). */
  random(): number {
    return this.#random();
  }

  count(kind: FaultKind, n = 1): void {
    this.injected[kind] += n;
  }

  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  /** `dynamodb-throttling 12, lambda-crash-after-commit 3, …` (kinds that happened). */
  describe(): string {
    return FAULT_KINDS.filter((k) => this.injected[k] > 0)
      .map((k) => `${k} ${this.injected[k]}`)
      .join(', ');
  }
}

/** A request as the proxy sees it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `DynamoDB_20120810.TransactWriteItems` → `TransactWriteItems`. */
  operation: string;
}

export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the proxy does with one request. */
export type ProxyAction =
  | { kind: 'pass' }
  /** Answer without forwarding. */
  | { kind: 'answer'; status: number; body: unknown; errorType?: string }
  /** Forward, then hand the answer to `after`: it may replace it, or return 'drop' to close the connection. */
  | {
      kind: 'forward';
      body?: Buffer;
      after(answer: UpstreamAnswer): Promise<UpstreamAnswer | 'drop'> | UpstreamAnswer | 'drop';
    };

export interface FaultProxyOptions {
  /** Where requests go, read on every request (the target may move, e.g. after a restart). */
  target: () => string;
  decide(request: ProxiedRequest): ProxyAction | Promise<ProxyAction>;
  host?: string;
}

/** An HTTP proxy on loopback that applies `decide` to every request. Unreachable targets reset the connection. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const proxied: ProxiedRequest = {
        method: req.method ?? 'POST',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        operation: target.slice(target.indexOf('.') + 1),
      };
      void handle(proxied, res).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: ProxiedRequest, res: ServerResponse): Promise<void> {
    const action = await options.decide(req);
    if (action.kind === 'answer') {
      const text = JSON.stringify(action.body);
      res.writeHead(action.status, {
        'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.0'),
        'content-length': Buffer.byteLength(text),
        ...(action.errorType ? { 'x-amzn-errortype': action.errorType } : {}),
      });
      res.end(text);
      return;
    }
    const body = action.kind === 'forward' && action.body ? action.body : req.body;
    let answer: UpstreamAnswer | 'drop';
    try {
      answer = await forward(options.target(), req, body);
    } catch {
      // The service is down (a restart): the client sees its connection reset, as with a dead endpoint.
      res.destroy();
      return;
    }
    if (action.kind === 'forward') answer = await action.after(answer);
    if (answer === 'drop') {
      // The request was carried out; its reply is lost on the way back.
      res.destroy();
      return;
    }
    const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  const { port, url } = await listenOn(server, 0, host);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
}

function forward(target: string, req: ProxiedRequest, body: Buffer): Promise<UpstreamAnswer> {
  const url = new URL(req.path, target);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && name !== 'connection' && name !== 'keep-alive') headers[name] = value;
  // The Host header stays the one the client signed (SigV4 covers it): the proxy is transparent.
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const out = httpRequest(url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}

const DYNAMODB_ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/**
 * The DynamoDB faults: throttling of any data-plane call (answered, not forwarded: nothing was written),
 * TransactionCanceledException for a TransactWriteItems as DynamoDB answers a conflicting transaction (not
 * forwarded), and a crash of the calling function after its transaction committed and before it reads the
 * reply (`crash` receives the caller's session token, which names its execution environment).
 */
export function dynamoDbFaults(
  plan: FaultPlan,
  crash: (sessionToken: string) => Promise<boolean>,
): FaultProxyOptions['decide'] {
  return (req) => {
    if (req.operation === 'TransactWriteItems') {
      if (plan.roll('dynamodb-transaction-cancelled')) {
        const items =
          (JSON.parse(req.body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems ?? [];
        const conflict = Math.floor(plan.random() * Math.max(1, items.length));
        const reasons = items.map((_, i) =>
          i === conflict
            ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
            : { Code: 'None' },
        );
        return {
          kind: 'answer',
          status: 400,
          errorType: 'TransactionCanceledException',
          body: {
            __type: `${DYNAMODB_ERROR_PREFIX}TransactionCanceledException`,
            message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
            CancellationReasons: reasons,
          },
        };
      }
      if (plan.roll('lambda-crash-after-commit')) {
        const token = String(req.headers['x-amz-security-token'] ?? '');
        return {
          kind: 'forward',
          after: async (answer) => {
            if (answer.status !== 200) return answer;
            if (await crash(token)) return 'drop';
            plan.count('lambda-crash-after-commit', -1); // no environment holds that session: not a crash
            return answer;
          },
        };
      }
    }
    if (plan.roll('dynamodb-throttling')) {
      const provisioned = plan.random() < 0.5;
      const name = provisioned ? 'ProvisionedThroughputExceededException' : 'ThrottlingException';
      return {
        kind: 'answer',
        status: 400,
        errorType: name,
        body: {
          __type: `${DYNAMODB_ERROR_PREFIX}${name}`,
          message: provisioned
            ? 'The level of configured provisioned throughput for the table was exceeded.'
            : 'Throughput exceeds the current capacity of your table or index.',
        },
      };
    }
    return { kind: 'pass' };
  };
}

interface PutEventsBody {
  Entries: unknown[];
}
interface PutEventsAnswer {
  FailedEntryCount: number;
  Entries: Record<string, unknown>[];
}

/**
 * The PutEvents faults: a partial failure (some entries answered with a retryable or a non-retryable error
 * code and not put on the bus; the rest forwarded) and a lost reply (forwarded, the connection then closed).
 */
export function putEventsFaults(plan: FaultPlan): FaultProxyOptions['decide'] {
  return (req) => {
    if (req.operation !== 'PutEvents') return { kind: 'pass' };
    const retryable = plan.roll('putevents-partial-retryable');
    const fatal = !retryable && plan.roll('putevents-partial-fatal');
    if (retryable || fatal) {
      const input = JSON.parse(req.body.toString('utf8')) as PutEventsBody;
      const failed = new Set<number>();
      input.Entries.forEach((_, i) => {
        if (plan.random() < 0.5) failed.add(i);
      });
      if (failed.size === 0) failed.add(Math.floor(plan.random() * input.Entries.length));
      const error = retryable
        ? plan.random() < 0.5
          ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded.' }
          : { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error.' }
        : { ErrorCode: 'AccessDeniedException', ErrorMessage: 'Not authorized (injected).' };
      const kept = input.Entries.filter((_, i) => !failed.has(i));
      const merge = (accepted: Record<string, unknown>[]): PutEventsAnswer => {
        let next = 0;
        const entries = input.Entries.map((_, i) => (failed.has(i) ? error : (accepted[next++] ?? {})));
        return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
      };
      if (kept.length === 0) return { kind: 'answer', status: 200, body: merge([]) };
      return {
        kind: 'forward',
        body: Buffer.from(JSON.stringify({ ...input, Entries: kept })),
        after: (answer) => {
          if (answer.status !== 200) return answer;
          const out = JSON.parse(answer.body.toString('utf8')) as PutEventsAnswer;
          return { ...answer, body: Buffer.from(JSON.stringify(merge(out.Entries))) };
        },
      };
    }
    if (plan.roll('putevents-reply-lost')) return { kind: 'forward', after: () => 'drop' };
    return { kind: 'pass' };
  };
}
