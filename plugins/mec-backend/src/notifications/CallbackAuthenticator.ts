import { InputError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { OutboundUrlPolicy } from '../outbound/OutboundUrlPolicy';
import { SubscriptionAuthentication } from './SubscriptionStore';

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

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
 * or a bearer token from the subscriber's OAuth 2.0 token endpoint
 * (client credentials grant), cached until shortly before it expires.
 */
export class CallbackAuthenticator {
  static create(options: {
    outboundPolicy: OutboundUrlPolicy;
    timeoutMs: number;
    now?: () => number;
  }): CallbackAuthenticator {
    return new CallbackAuthenticator(
      options.outboundPolicy,
      options.timeoutMs,
      options.now ?? Date.now,
    );
  }

  private readonly tokens = new Map<string, Promise<CachedToken>>();

  private constructor(
    private readonly outboundPolicy: OutboundUrlPolicy,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

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
      const token = await this.token(oauth);
      return { authorization: `Bearer ${token.accessToken}` };
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
    if (oauth) this.tokens.delete(cacheKey(oauth));
  }

  private async token(
    params: NonNullable<
      SubscriptionAuthentication['paramsOauth2ClientCredentials']
    >,
  ): Promise<CachedToken> {
    const key = cacheKey(params);
    const cached = this.tokens.get(key);
    if (cached) {
      try {
        const token = await cached;
        if (token.expiresAt > this.now()) return token;
      } catch {
        // a failed request is not cached; fall through and ask again
      }
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    // One request per client at a time, shared by concurrent deliveries.
    const pending = this.requestToken(params);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return pending;
  }

  private async requestToken(
    params: NonNullable<
      SubscriptionAuthentication['paramsOauth2ClientCredentials']
    >,
  ): Promise<CachedToken> {
    // RFC 6749 section 2.3.1: client id and secret, form-encoded, as HTTP Basic.
    const credentials = Buffer.from(
      `${formEncode(params.clientId)}:${formEncode(params.clientPassword)}`,
    ).toString('base64');
    const response = await this.outboundPolicy.fetch(
      params.tokenEndpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${credentials}`,
        },
        body: 'grant_type=client_credentials',
      },
      {
        purpose: 'callback',
        timeoutMs: this.timeoutMs,
        maxBytes: 64 * 1024,
        maxRedirects: 0,
      },
    );
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(
        `The OAuth 2.0 token endpoint answered HTTP ${response.status}`,
      );
    }
    let body: {
      access_token?: unknown;
      expires_in?: unknown;
      token_type?: unknown;
    };
    try {
      body = await response.json();
    } catch {
      throw new Error('The OAuth 2.0 token endpoint did not answer JSON');
    }
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new Error('The OAuth 2.0 token endpoint answered no access_token');
    }
    if (
      typeof body.token_type === 'string' &&
      body.token_type.toLowerCase() !== 'bearer'
    ) {
      throw new Error(
        `The OAuth 2.0 token endpoint answered token_type ${body.token_type}, not Bearer`,
      );
    }
    // Renew a little early so a token does not expire in flight; without
    // expires_in, reuse it only briefly.
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : 60;
    const margin = Math.min(30, lifetime / 10);
    return {
      accessToken: body.access_token,
      expiresAt: this.now() + (lifetime - margin) * 1000,
    };
  }
}

function cacheKey(params: {
  clientId: string;
  clientPassword: string;
  tokenEndpoint: string;
}): string {
  const secret = createHash('sha256')
    .update(params.clientPassword)
    .digest('hex');
  return `${params.tokenEndpoint}\n${params.clientId}\n${secret}`;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
