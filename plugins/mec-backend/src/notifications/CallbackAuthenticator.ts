import { InputError } from '@backstage/errors';
import {
  ClientCredentials,
  ClientCredentialsTokens,
} from '../outbound/oauth2ClientCredentials';
import { OutboundUrlPolicy } from '../outbound/OutboundUrlPolicy';
import { SubscriptionAuthentication } from './SubscriptionStore';

/**
 * Checks a `SubscriptionAuthentication` given with a subscription request:
 * the parameters of each listed type must be present, and the OAuth 2.0
 * token endpoint must be allowed by `mec.outbound`.
 *
 * @throws InputError (HTTP 400)
 */
export async function validateSubscriptionAuthentication(
  authentication: SubscriptionAuthentication | undefined,
  outboundPolicy: OutboundUrlPolicy,
): Promise<void> {
  if (!authentication) return;
  const types = authentication.authType ?? [];
  if (types.length === 0) {
    throw new InputError('authentication.authType must list at least one type');
  }
  if (types.includes('BASIC') && !authentication.paramsBasic) {
    throw new InputError(
      'authentication.paramsBasic is required when authType includes BASIC',
    );
  }
  if (types.includes('OAUTH2_CLIENT_CREDENTIALS')) {
    const params = authentication.paramsOauth2ClientCredentials;
    if (!params) {
      throw new InputError(
        'authentication.paramsOauth2ClientCredentials is required when authType includes OAUTH2_CLIENT_CREDENTIALS',
      );
    }
    await outboundPolicy.check(params.tokenEndpoint, { purpose: 'callback' });
  }
}

/**
 * Produces the Authorization header of notification requests: HTTP Basic,
 * or a bearer token from the subscriber's OAuth 2.0 token endpoint (client
 * credentials grant), cached until shortly before it expires.
 */
export class CallbackAuthenticator {
  static create(options: {
    outboundPolicy: OutboundUrlPolicy;
    timeoutMs: number;
    now?: () => number;
  }): CallbackAuthenticator {
    return new CallbackAuthenticator(
      ClientCredentialsTokens.create({
        outboundPolicy: options.outboundPolicy,
        purpose: 'callback',
        timeoutMs: options.timeoutMs,
        now: options.now,
      }),
    );
  }

  private constructor(private readonly tokens: ClientCredentialsTokens) {}

  /** Headers to add to a notification request; none without authentication. */
  async headersFor(
    authentication: SubscriptionAuthentication | undefined,
  ): Promise<Record<string, string>> {
    if (!authentication) return {};
    const oauth = authentication.paramsOauth2ClientCredentials;
    if (
      authentication.authType.includes('OAUTH2_CLIENT_CREDENTIALS') &&
      oauth
    ) {
      const token = await this.tokens.accessToken(credentialsOf(oauth));
      return { authorization: `Bearer ${token}` };
    }
    const basic = authentication.paramsBasic;
    if (authentication.authType.includes('BASIC') && basic) {
      const encoded = Buffer.from(
        `${basic.userName}:${basic.password}`,
      ).toString('base64');
      return { authorization: `Basic ${encoded}` };
    }
    return {};
  }

  /** Forgets a cached token the subscriber refused (401), so the next try gets a new one. */
  invalidate(authentication: SubscriptionAuthentication | undefined): void {
    const oauth = authentication?.paramsOauth2ClientCredentials;
    if (oauth) this.tokens.invalidate(credentialsOf(oauth));
  }
}

/** ETSI's SubscriptionAuthentication names the client secret clientPassword. */
function credentialsOf(
  params: NonNullable<
    SubscriptionAuthentication['paramsOauth2ClientCredentials']
  >,
): ClientCredentials {
  return {
    tokenEndpoint: params.tokenEndpoint,
    clientId: params.clientId,
    clientSecret: params.clientPassword,
  };
}
