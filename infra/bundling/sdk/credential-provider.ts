// What the functions' bundles put in place of `@aws-sdk/credential-provider-node` (the AWS SDK's default
// credential chain): Lambda gives every function its role's credentials in environment variables, so the
// chain is the environment first, then a container credentials endpoint (what the default chain tries
// before the instance metadata service) — and nothing else. The default chain also carries SSO, shared
// ini files, credential processes, web identity and instance metadata, each with its own STS/SSO client
// (~120 KB of a bundle that every function would parse on a cold start and never run).
// infra/constructs/function.ts aliases the package here; the clients keep calling `defaultProvider`.
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';

/** The container credentials endpoint variables (ECS, EKS Pod Identity, Lambda's own local runtimes). */
const CONTAINER_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];

type Init = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];
type Provider = ReturnType<typeof fromEnv>;

export class NoCredentialsError extends Error {
  constructor() {
    super(
      'no AWS credentials: a function bundle reads them from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (as Lambda sets them) or from a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI); profiles, SSO and instance metadata are not bundled',
    );
    this.name = 'NoCredentialsError';
  }
}

/** Same name and shape as the SDK's default provider; the client memoizes what it returns (until expiry). */
export function defaultProvider(init: Init = {}): Provider {
  const environment = fromEnv(init);
  return async (options) => {
    if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return environment(options);
    if (CONTAINER_VARIABLES.some((name) => process.env[name])) return fromHttp(init)(options);
    throw new NoCredentialsError();
  };
}
