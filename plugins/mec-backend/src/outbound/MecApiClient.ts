import { Config } from '@backstage/config';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  ClientCredentials,
  ClientCredentialsTokens,
} from './oauth2ClientCredentials';
import { OutboundFetchError, OutboundUrlPolicy } from './OutboundUrlPolicy';

/**
 * How one MEC backend authenticates to another (MEO ↔ MEPM over Mm3): a
 * static bearer token, or OAuth 2.0 client credentials (ETSI GS MEC 009)
 * fetched from a token endpoint and cached until shortly before expiry.
 */
export interface MecApiAuth {
  /** The Authorization header value for the next request. */
  authorization(): Promise<string>;
  /** Forgets a cached token, after the peer answered 401 with it. */
  invalidate?(): void;
}

/** A fixed bearer token (`mec.mepm.meo.auth.token`, a MEPM's registered token). */
export function staticTokenAuth(token: string): MecApiAuth {
  return { authorization: async () => `Bearer ${token}` };
}

/**
 * How to authenticate to a peer, as configured (`mec.mepm.meo.auth`) or
 * registered (a MEPM's `auth` in `/mepms`, stored encrypted).
 */
export type MecApiAuthSettings =
  | { type: 'token'; token: string }
  | {
      type: 'oauth2ClientCredentials';
      tokenEndpoint: string;
      clientId: string;
      clientSecret: string;
      /** Space-separated scopes to ask for. */
      scope?: string;
    };

/**
 * The one way to turn auth settings into a {@link MecApiAuth}. OAuth 2.0
 * client credentials: a token from the token endpoint (reached through the
 * outbound policy, purpose `mecPeer`), cached until shortly before it
 * expires and fetched anew after the peer answered 401 to it.
 */
export function createMecApiAuth(
  settings: MecApiAuthSettings,
  options: {
    outboundPolicy: OutboundUrlPolicy;
    /** Shares a token cache between peers; by default one per auth. */
    tokens?: ClientCredentialsTokens;
  },
): MecApiAuth {
  if (settings.type === 'token') return staticTokenAuth(settings.token);
  const tokens =
    options.tokens ??
    ClientCredentialsTokens.create({
      outboundPolicy: options.outboundPolicy,
      purpose: 'mecPeer',
    });
  const credentials: ClientCredentials = {
    tokenEndpoint: settings.tokenEndpoint,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    ...(settings.scope ? { scope: settings.scope } : {}),
  };
  return {
    authorization: async () =>
      `Bearer ${await tokens.accessToken(credentials)}`,
    invalidate: () => tokens.invalidate(credentials),
  };
}

/**
 * Reads auth settings from config: `{ token }` or `{ tokenEndpoint,
 * clientId, clientSecret, scope? }` (e.g. `mec.mepm.meo.auth`).
 */
export function readMecApiAuthSettings(config: Config): MecApiAuthSettings {
  const token = config.getOptionalString('token');
  if (token !== undefined) return { type: 'token', token };
  return {
    type: 'oauth2ClientCredentials',
    tokenEndpoint: config.getString('tokenEndpoint'),
    clientId: config.getString('clientId'),
    clientSecret: config.getString('clientSecret'),
    ...(config.has('scope') ? { scope: config.getString('scope') } : {}),
  };
}

/** The ProblemDetails a peer answered with, when it is not 2xx. */
export interface PeerProblem {
  status: number;
  title?: string;
  detail?: string;
}

/** What our HTTP layer maps back to the same status (see http/problemDetails). */
const ERROR_NAMES: Record<number, string> = {
  403: NotAllowedError.name,
  404: NotFoundError.name,
  409: ConflictError.name,
};

/**
 * A peer answered with an error status: its ProblemDetails detail is the
 * message, so that what the MEO refused reaches the MEPM's op occurrence
 * (and the other way round) readably. `name` follows the status so that our
 * HTTP layer maps it back to the same status where it is passed on.
 */
export class MecApiError extends Error {
  constructor(
    readonly peer: string,
    readonly problem: PeerProblem,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      `${peer} answered ${method} ${path} with ${problem.status}${
        problem.title ? ` ${problem.title}` : ''
      }${problem.detail ? `: ${problem.detail}` : ''}`,
    );
    this.name = ERROR_NAMES[problem.status] ?? 'MecApiError';
  }
}

/** The peer could not be reached or did not answer in time. */
export class MecApiUnreachableError extends Error {
  constructor(readonly peer: string, readonly cause: Error) {
    super(`${peer} is unreachable: ${cause.message}`);
    this.name = 'MecApiUnreachableError';
  }
}

/** A peer's answer. */
export interface MecApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** Options of one request. */
export interface MecApiRequestOptions {
  body?: unknown;
  /** Default `application/json`. */
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Default: the client's timeout. */
  timeoutMs?: number;
  /** Read the body as bytes (package content), not JSON. */
  binary?: boolean;
  /** Largest accepted body; default 16 MiB (binary: 1 GiB). */
  maxBytes?: number;
}

/**
 * Calls another MEC backend's ETSI APIs under its `{apiRoot}` (e.g.
 * `http://localhost:7007/api/mec`): every URL is checked by the outbound
 * policy (purpose `mecPeer`), every request carries the configured
 * authentication, and error statuses become {@link MecApiError} with the
 * peer's ProblemDetails. The one way the MEO and MEPMs talk to each other.
 */
export class MecApiClient {
  static create(options: {
    /** Names the peer in errors and logs, e.g. `MEO` or `MEPM mepm-a`. */
    peer: string;
    apiRoot: string;
    auth: MecApiAuth;
    outboundPolicy: OutboundUrlPolicy;
    timeoutMs?: number;
  }): MecApiClient {
    return new MecApiClient(
      options.peer,
      options.apiRoot.replace(/\/+$/, ''),
      options.auth,
      options.outboundPolicy,
      options.timeoutMs ?? 15_000,
    );
  }

  private constructor(
    readonly peer: string,
    readonly apiRoot: string,
    private readonly auth: MecApiAuth,
    private readonly outboundPolicy: OutboundUrlPolicy,
    private readonly timeoutMs: number,
  ) {}

  /**
   * `path` is relative to the apiRoot (`app_lcm/v1/app_instances`), or an
   * absolute URL under it (a Location or `_links` href the peer gave).
   */
  async request<T = any>(
    method: string,
    path: string,
    options: MecApiRequestOptions = {},
  ): Promise<MecApiResponse<T>> {
    const url = this.urlOf(path);
    const send = async () => {
      const headers: Record<string, string> = {
        accept: options.accept ?? 'application/json',
        authorization: await this.auth.authorization(),
        ...options.headers,
      };
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      return this.outboundPolicy.fetch(
        url,
        { method, headers, body },
        {
          purpose: 'mecPeer',
          timeoutMs: options.timeoutMs ?? this.timeoutMs,
          maxBytes:
            options.maxBytes ??
            (options.binary ? 1024 * 1024 * 1024 : 16 * 1024 * 1024),
          maxRedirects: 0,
          signal: options.signal,
        },
      );
    };
    try {
      let response = await send();
      if (response.status === 401 && this.auth.invalidate) {
        // An expired or revoked OAuth token: fetch a new one, once.
        await response.arrayBuffer().catch(() => undefined);
        this.auth.invalidate();
        response = await send();
      }
      if (response.status >= 400) {
        const text = await response.text().catch(() => '');
        let problem: PeerProblem = { status: response.status };
        try {
          const parsed = JSON.parse(text);
          problem = {
            status: response.status,
            ...(typeof parsed?.title === 'string'
              ? { title: parsed.title }
              : {}),
            ...(typeof parsed?.detail === 'string'
              ? { detail: parsed.detail }
              : {}),
          };
        } catch {
          // Not ProblemDetails: the status says enough.
        }
        throw new MecApiError(this.peer, problem, method, url.pathname);
      }
      let body: any;
      if (options.binary) {
        body = Buffer.from(await response.arrayBuffer());
      } else {
        const text = await response.text();
        body = text ? JSON.parse(text) : undefined;
      }
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      if (error instanceof OutboundFetchError) {
        throw new MecApiUnreachableError(this.peer, error);
      }
      throw error;
    }
  }

  private urlOf(path: string): URL {
    if (/^https?:\/\//.test(path)) {
      const url = new URL(path);
      if (!url.href.startsWith(`${this.apiRoot}/`)) {
        throw new Error(
          `${this.peer} named ${url.href}, which is not under its apiRoot ${this.apiRoot}`,
        );
      }
      return url;
    }
    return new URL(`${this.apiRoot}/${path.replace(/^\/+/, '')}`);
  }
}
