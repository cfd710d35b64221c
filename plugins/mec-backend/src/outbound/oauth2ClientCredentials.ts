import { createHash } from 'node:crypto';
import {
  OutboundFetchError,
  OutboundPurpose,
  OutboundUrlError,
  OutboundUrlPolicy,
} from './OutboundUrlPolicy';

/**
 * What a client presents at an OAuth 2.0 token endpoint for the client
 * credentials grant (RFC 6749 section 4.4), as ETSI GS MEC 009 has MEC
 * clients obtain their bearer tokens.
 */
export interface ClientCredentials {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for; none when absent. */
  scope?: string;
}

/**
 * The token endpoint refused the client or answered something other than a
 * bearer token. The message names the endpoint, the status and the OAuth
 * error code, never the client secret.
 */
export class OAuth2TokenError extends Error {
  constructor(
    message: string,
    /** The token endpoint's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OAuth2TokenError';
  }
}

/**
 * Why a token endpoint may not be used outside development, or undefined:
 * it must use https, since the client secret and the token cross the
 * network (ETSI GS MEC 009 asks for TLS).
 */
export function insecureTokenEndpoint(
  tokenEndpoint: string,
): string | undefined {
  let url: URL;
  try {
    url = new URL(tokenEndpoint);
  } catch {
    return `'${tokenEndpoint.slice(0, 200)}' is not a valid URL`;
  }
  if (url.protocol !== 'https:') {
    return `${url.origin}${url.pathname} must use https outside development`;
  }
  return undefined;
}

interface CachedToken {
  accessToken: string;
  /** When to stop using it: a little before it expires. */
  renewAt: number;
}

/** A token without expires_in is reused only this long. */
const DEFAULT_LIFETIME_SECONDS = 60;
/** Renew this long before expiry at most, so a token does not expire in flight. */
const MAX_RENEWAL_MARGIN_SECONDS = 30;
/** Beyond this many cached clients, expired entries are dropped. */
const PRUNE_ABOVE = 1000;

/**
 * Fetches and caches OAuth 2.0 access tokens with the client credentials
 * grant: one request per client at a time (concurrent callers share it),
 * each token reused until shortly before `expires_in` runs out, and dropped
 * by {@link ClientCredentialsTokens.invalidate} when a server refused it
 * (401). The token endpoint is reached through the outbound policy, so it
 * must be allowed like any other outbound URL. The one way the MEC plugin
 * obtains client credentials tokens: for its MEC peers (MEO ↔ MEPM) and for
 * notification subscribers that ask for OAUTH2_CLIENT_CREDENTIALS.
 */
export class ClientCredentialsTokens {
  static create(options: {
    outboundPolicy: OutboundUrlPolicy;
    /** The purpose the token endpoint is checked for, that of the calls it serves. */
    purpose: OutboundPurpose;
    /** For a token request; default 15 s. */
    timeoutMs?: number;
    now?: () => number;
  }): ClientCredentialsTokens {
    return new ClientCredentialsTokens(
      options.outboundPolicy,
      options.purpose,
      options.timeoutMs ?? 15_000,
      options.now ?? Date.now,
    );
  }

  /** Per client: its token once fetched, or the request under way. */
  private readonly tokens = new Map<
    string,
    { request: Promise<CachedToken>; token?: CachedToken }
  >();

  private constructor(
    private readonly outboundPolicy: OutboundUrlPolicy,
    private readonly purpose: OutboundPurpose,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * A valid access token for the client, from the cache or fetched.
   *
   * @throws OAuth2TokenError when the endpoint refuses or answers nonsense,
   *   OutboundUrlError when the outbound policy does not allow the endpoint,
   *   OutboundFetchError when it cannot be reached
   */
  async accessToken(credentials: ClientCredentials): Promise<string> {
    const key = cacheKey(credentials);
    const entry = this.tokens.get(key);
    if (entry?.token && entry.token.renewAt > this.now()) {
      return entry.token.accessToken;
    }
    // A request under way is shared by everyone who needs the token now.
    if (entry && !entry.token) return (await entry.request).accessToken;
    this.prune();
    const request = this.requestToken(credentials);
    const fresh: { request: Promise<CachedToken>; token?: CachedToken } = {
      request,
    };
    this.tokens.set(key, fresh);
    try {
      fresh.token = await request;
      return fresh.token.accessToken;
    } catch (error) {
      // A failure is not cached: the next caller asks again.
      if (this.tokens.get(key) === fresh) this.tokens.delete(key);
      throw error;
    }
  }

  /** Forgets the client's cached token, after a server answered 401 to it. */
  invalidate(credentials: ClientCredentials): void {
    const key = cacheKey(credentials);
    // A request under way already fetches a new token.
    if (this.tokens.get(key)?.token) this.tokens.delete(key);
  }

  /** Many clients (notification subscribers) come and go: expired tokens go. */
  private prune(): void {
    if (this.tokens.size < PRUNE_ABOVE) return;
    const now = this.now();
    for (const [key, entry] of this.tokens) {
      if (entry.token && entry.token.renewAt <= now) this.tokens.delete(key);
    }
  }

  private async requestToken(
    credentials: ClientCredentials,
  ): Promise<CachedToken> {
    const endpoint = describeEndpoint(credentials.tokenEndpoint);
    const fail = (message: string, status?: number): never => {
      throw new OAuth2TokenError(
        withoutSecret(`The token endpoint ${endpoint} ${message}`, credentials),
        status,
      );
    };
    // RFC 6749 section 2.3.1: the client id and secret, each form-encoded,
    // as HTTP Basic; section 4.4.2: the grant as a form-encoded body.
    const basic = Buffer.from(
      `${formEncode(credentials.clientId)}:${formEncode(
        credentials.clientSecret,
      )}`,
    ).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credentials.scope) form.set('scope', credentials.scope);

    let response: Response;
    try {
      response = await this.outboundPolicy.fetch(
        credentials.tokenEndpoint,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            authorization: `Basic ${basic}`,
          },
          body: form.toString(),
        },
        {
          purpose: this.purpose,
          timeoutMs: this.timeoutMs,
          maxBytes: 64 * 1024,
          // Client credentials are not sent on to wherever a redirect points.
          maxRedirects: 0,
        },
      );
    } catch (error) {
      // The policy words refusals after the purpose; say it is the token endpoint.
      if (error instanceof OutboundUrlError) {
        throw new OutboundUrlError(
          withoutSecret(
            `The token endpoint ${endpoint} may not be called: ${error.message}`,
            credentials,
          ),
          error.reason,
        );
      }
      if (error instanceof OutboundFetchError) {
        throw new OutboundFetchError(
          error.reason,
          withoutSecret(
            `The token endpoint ${endpoint} did not answer: ${error.message}`,
            credentials,
          ),
        );
      }
      throw error;
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return fail(`broke off its answer: ${(error as Error).message}`);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object') body = parsed;
    } catch {
      // Judged below.
    }
    if (!response.ok) {
      // RFC 6749 section 5.2: `error` and perhaps `error_description`.
      const code = typeof body?.error === 'string' ? body.error : undefined;
      const description =
        typeof body?.error_description === 'string'
          ? body.error_description.slice(0, 200)
          : undefined;
      return fail(
        `answered ${response.status}${code ? `: ${code}` : ''}${
          description ? ` (${description})` : ''
        }`,
        response.status,
      );
    }
    if (!body) return fail('answered no JSON', response.status);
    if (typeof body.access_token !== 'string' || !body.access_token) {
      return fail('answered no access_token', response.status);
    }
    if (
      typeof body.token_type === 'string' &&
      body.token_type.toLowerCase() !== 'bearer'
    ) {
      return fail(
        `answered token_type ${body.token_type.slice(0, 40)}, not Bearer`,
        response.status,
      );
    }
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : DEFAULT_LIFETIME_SECONDS;
    const margin = Math.min(MAX_RENEWAL_MARGIN_SECONDS, lifetime / 10);
    return {
      accessToken: body.access_token,
      renewAt: this.now() + (lifetime - margin) * 1000,
    };
  }
}

/** The endpoint without query or fragment, which are no business of logs. */
function describeEndpoint(tokenEndpoint: string): string {
  try {
    const url = new URL(tokenEndpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return `'${tokenEndpoint.slice(0, 200)}'`;
  }
}

/** Whatever the endpoint echoed, the secret never reaches a message. */
function withoutSecret(message: string, credentials: ClientCredentials) {
  const secret = credentials.clientSecret;
  if (!secret) return message;
  return message
    .split(secret)
    .join('***')
    .split(formEncode(secret))
    .join('***');
}

function cacheKey(credentials: ClientCredentials): string {
  // The secret is part of the key (a changed secret gets a new token) but
  // is not kept in the clear.
  const secret = createHash('sha256')
    .update(credentials.clientSecret)
    .digest('hex');
  return [
    credentials.tokenEndpoint,
    credentials.clientId,
    secret,
    credentials.scope ?? '',
  ].join('\n');
}

/** application/x-www-form-urlencoded, as RFC 6749 appendix B asks for the client id and secret. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
