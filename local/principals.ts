// Who is who on the local engine: one access key per principal, defined here and nowhere else. Requests to the
// local EventBridge and the auditors' HTTP API must be signed (SigV4) with one of these keys; the signature is
// checked with the AWS SDK's own signer (@smithy/signature-v4) and the key names the principal whose
// policies the synthesised templates give (local/iam.ts). README "Local principals" lists them.
//
//   principal         access key (secret: the key + "-secret")   role in the template
//   department <id>   LOCALDEPT<id>, e.g. LOCALDEPThotline12345   PublisherRole-<id>: PutEvents as dept.<id> only
//   auditor           LOCALAUDITOR                                Auditor role: execute-api:Invoke on the query routes
//   leader            LOCALLEADER                                 Leader role: execute-api:Invoke on the notification routes
//   function <name>   LOCALFN<name without dashes>                the function's execution role (the relay's publishes as the engine)
//   operator          local (secret local)                        an administrator of the account (Allow *), still bound by
//                                                                 the bus policy's Deny (no department or engine source)
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { evaluateAccess, type PolicyStatement, type SecurityModel, securityModel } from './iam.ts';
import type { LocalModel } from './template.ts';

/** The SDK's hash interface over node:crypto (HMAC when given a secret), for the SDK's signer. */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}
const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

export type PrincipalKind = 'department' | 'auditor' | 'leader' | 'function' | 'operator';

export interface LocalPrincipal {
  kind: PrincipalKind;
  /** Department id, function name, or the kind itself. */
  name: string;
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** What the principal's identity policies allow (its role's policies). */
  statements: PolicyStatement[];
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

// Access key ids are letters and digits only: DynamoDB Local refuses any other (the functions sign their
// DynamoDB calls with their role's key too).
const key = (id: string): Credentials => {
  const accessKeyId = id.replace(/[^A-Za-z0-9]/g, '');
  return { accessKeyId, secretAccessKey: `${accessKeyId}-secret` };
};
/** The operator's key: what `local`/`local` always meant here, now an administrator bound by the bus policy. */
export const OPERATOR_CREDENTIALS: Credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const AUDITOR_CREDENTIALS = key('LOCALAUDITOR');
export const LEADER_CREDENTIALS = key('LOCALLEADER');
export const departmentCredentials = (department: string) => key(`LOCALDEPT${department}`);
export const functionCredentials = (functionName: string) => key(`LOCALFN${functionName}`);

/** The department whose role the bus policy pins to `dept.<id>`, from its only-own-source Deny statement. */
function departmentRoles(security: SecurityModel): Map<string, string> {
  const roles = new Map<string, string>();
  for (const statements of security.busPolicies.values())
    for (const s of statements) {
      const arn = s.Condition?.ArnEquals?.['aws:PrincipalArn'];
      const source = s.Condition?.StringNotEquals?.['events:source'];
      if (
        s.Effect === 'Deny' &&
        typeof arn === 'string' &&
        typeof source === 'string' &&
        source.startsWith('dept.')
      )
        roles.set(source.slice('dept.'.length), arn);
    }
  return roles;
}

export interface LocalPrincipals {
  security: SecurityModel;
  all: LocalPrincipal[];
  byAccessKey: Map<string, LocalPrincipal>;
}

/** Every local principal of the engine built from `model`. */
export function localPrincipals(model: LocalModel): LocalPrincipals {
  const security = securityModel(model);
  const account = model.account;
  const all: LocalPrincipal[] = [];
  const add = (
    kind: PrincipalKind,
    name: string,
    arn: string,
    credentials: Credentials,
    statements?: PolicyStatement[],
  ) =>
    all.push({
      kind,
      name,
      arn,
      ...credentials,
      statements: statements ?? security.roles.get(arn)?.statements ?? [],
    });
  for (const [department, arn] of departmentRoles(security))
    add('department', department, arn, departmentCredentials(department));
  const auditor = [...security.roles.values()].find((r) => /Auditor/.test(r.logicalId));
  if (auditor) add('auditor', 'auditor', auditor.arn, AUDITOR_CREDENTIALS);
  // The template's Leader role (acknowledges through the API); a leader user with no rights if there is none.
  const leader = [...security.roles.values()].find((r) => /Leader/.test(r.logicalId));
  if (leader) add('leader', 'leader', leader.arn, LEADER_CREDENTIALS);
  else add('leader', 'leader', `arn:aws:iam::${account}:user/rankwatch-leader`, LEADER_CREDENTIALS, []);
  for (const [fn, arn] of security.functionRoles) add('function', fn, arn, functionCredentials(fn));
  add('operator', 'operator', `arn:aws:iam::${account}:user/rankwatch-operator`, OPERATOR_CREDENTIALS, [
    { Effect: 'Allow', Action: '*', Resource: '*' },
  ]);
  return { security, all, byAccessKey: new Map(all.map((p) => [p.accessKeyId, p])) };
}

/** The credentials to sign with as a department (by id or its `dept.<id>` source), the auditor or the leader. */
export function localCredentialsFor(
  _model: LocalModel | undefined,
  who: { source: string } | { department: string } | { role: 'auditor' | 'leader' | 'operator' },
): Credentials {
  if ('source' in who)
    return who.source.startsWith('dept.')
      ? departmentCredentials(who.source.slice('dept.'.length))
      : OPERATOR_CREDENTIALS;
  if ('department' in who) return departmentCredentials(who.department);
  return who.role === 'auditor'
    ? AUDITOR_CREDENTIALS
    : who.role === 'leader'
      ? LEADER_CREDENTIALS
      : OPERATOR_CREDENTIALS;
}

/** A request refused before it reaches the service, as AWS answers it. */
export class AuthenticationError extends Error {
  readonly code: string;
  readonly status = 403;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AuthenticationError';
    this.code = code;
  }
}

export interface SignedRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string | Buffer;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * The principal that signed this request. The signature is computed again with the SDK's signer over the
 * headers the request says it signed, and must match; an unknown key or a wrong signature is refused.
 */
export async function authenticate(
  principals: LocalPrincipals,
  request: SignedRequest,
): Promise<LocalPrincipal> {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? AUTHORIZATION.exec(header) : null;
  if (!m)
    throw new AuthenticationError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, accessKeyId, , region, service, signedHeaders, signature] = m as unknown as string[];
  const principal = principals.byAccessKey.get(accessKeyId!);
  if (!principal)
    throw new AuthenticationError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid. 本地引擎不认识此访问密钥 / unknown local access key (README: Local principals).',
    );
  const url = new URL(request.url, 'http://local');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const date = headers['x-amz-date'];
  if (!date) throw new AuthenticationError('IncompleteSignatureException', 'X-Amz-Date is not signed.');
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const held = query[k];
    query[k] = held === undefined ? v : [...(Array.isArray(held) ? held : [held]), v];
  }
  const token = headers['x-amz-security-token'];
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: principal.accessKeyId,
      secretAccessKey: principal.secretAccessKey,
      ...(token ? { sessionToken: token } : {}),
    },
    region: region!,
    service: service!,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: (headers.host ?? '').replace(/:\d+$/, ''),
      path: url.pathname,
      query,
      headers,
      body: typeof request.body === 'string' ? request.body : request.body.toString('utf8'),
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (
    expected.length !== signature!.length ||
    !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))
  )
    throw new AuthenticationError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  return principal;
}

/**
 * Headers that sign a request with these credentials (SigV4, the SDK's signer): for the CLI and tests calling
 * the local query API (`service` execute-api) as the auditor, say.
 */
export async function signedHeaders(
  credentials: Credentials,
  request: { method: string; url: string; headers?: Record<string, string>; body?: string },
  options: { service: string; region: string; date?: Date },
): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const held = query[k];
    query[k] = held === undefined ? v : [...(Array.isArray(held) ? held : [held]), v];
  }
  const signer = new SignatureV4({
    credentials,
    region: options.region,
    service: options.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host, ...request.headers },
      body: request.body ?? '',
    },
    { signingDate: options.date ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}

/** Whether `principal` may put an event with this source on the bus (its policies and the bus policy). */
export function mayPutEvent(
  principals: LocalPrincipals,
  principal: LocalPrincipal,
  bus: { name: string; arn: string },
  entry: { source: string; detailType: string },
): boolean {
  return evaluateAccess(
    {
      principalArn: principal.arn,
      action: 'events:PutEvents',
      resource: bus.arn,
      context: { 'events:source': entry.source, 'events:detail-type': entry.detailType },
    },
    principal.statements,
    principals.security.busPolicies.get(bus.name) ?? [],
  ).allowed;
}

/** Whether `principal` may publish to this topic (sns:Publish; its identity policies, as within one account). */
export function mayPublish(principal: LocalPrincipal, topicArn: string): boolean {
  return evaluateAccess(
    { principalArn: principal.arn, action: 'sns:Publish', resource: topicArn },
    principal.statements,
  ).allowed;
}

/** Whether `principal` may invoke this route of an HTTP API (execute-api:Invoke on the route's ARN). */
export function mayInvokeRoute(
  principal: LocalPrincipal,
  route: { region: string; account: string; apiId: string; stage: string; method: string; path: string },
): boolean {
  const arn = `arn:aws:execute-api:${route.region}:${route.account}:${route.apiId}/${route.stage}/${route.method}${route.path}`;
  return evaluateAccess(
    { principalArn: principal.arn, action: 'execute-api:Invoke', resource: arn },
    principal.statements,
  ).allowed;
}
