import {
  exportJWK,
  generateKeyPair,
  type JWK,
  type KeyLike,
  SignJWT,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** A client registered with the issuer. */
export interface TokenIssuerClient {
  id: string;
  secret: string;
  /** The tokens' `sub`; the client id when absent. */
  subject?: string;
}

/** One request to the token endpoint, as the issuer understood it. */
export interface TokenRequest {
  /** Form-decoded from HTTP Basic or the body; undefined without any. */
  clientId?: string;
  /** How the client authenticated: `basic`, `body` or `none`. */
  clientAuthentication: 'basic' | 'body' | 'none';
  grantType?: string;
  scope?: string;
  status: number;
  /** The access token issued, for a 200. */
  accessToken?: string;
}

const TOKEN_PATH = '/oauth2/token';
const JWKS_PATH = '/.well-known/jwks.json';
const METADATA_PATH = '/.well-known/oauth-authorization-server';

/**
 * A real OAuth 2.0 authorization server for tests, on 127.0.0.1: the
 * client credentials grant (RFC 6749 section 4.4) at its token endpoint for
 * the registered clients (HTTP Basic or form parameters), issuing RS256 JWT
 * access tokens with iss, aud, sub, iat, exp and jti, and its public key
 * as a JWK Set at a well-known path, which Backstage's `jwks` external
 * access verifies against. It can issue tokens that are expired when they
 * arrive, for clients' handling of a 401.
 */
export class TokenIssuer {
  static async start(options: {
    /** The `aud` of issued tokens. */
    audience: string;
    clients: TokenIssuerClient[];
    /** Tokens' lifetime (`exp` and `expires_in`); default one hour. */
    lifetimeSeconds?: number;
  }): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk: JWK = {
      ...(await exportJWK(publicKey)),
      kid: randomUUID(),
      alg: 'RS256',
      use: 'sig',
    };
    const issuer = new TokenIssuer(
      options.audience,
      new Map(options.clients.map(client => [client.id, client])),
      options.lifetimeSeconds ?? 3600,
      privateKey,
      jwk,
    );
    await issuer.listen();
    return issuer;
  }

  /** Every request to the token endpoint, in order. */
  readonly requests: TokenRequest[] = [];
  /**
   * How many of the next tokens the token endpoint issues already expired
   * (while announcing the usual `expires_in`), as a token revoked or
   * expired early reaches the server that refuses it.
   */
  expiredTokensToIssue = 0;

  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch(error => {
      res.writeHead(500).end(String(error));
    });
  });
  private base = '';

  private constructor(
    readonly audience: string,
    private readonly clients: Map<string, TokenIssuerClient>,
    readonly lifetimeSeconds: number,
    private readonly privateKey: KeyLike,
    private readonly jwk: JWK,
  ) {}

  /** The `iss` of issued tokens: the issuer's base URL. */
  get issuer(): string {
    return this.base;
  }

  get tokenEndpoint(): string {
    return `${this.base}${TOKEN_PATH}`;
  }

  /** Where the public keys are, Backstage's `jwks` `options.url`. */
  get jwksUrl(): string {
    return `${this.base}${JWKS_PATH}`;
  }

  /** The access tokens issued, in order. */
  get issued(): string[] {
    return this.requests.flatMap(r => (r.accessToken ? [r.accessToken] : []));
  }

  /**
   * Signs a token without a client asking, to present deliberately wrong
   * ones: another issuer or audience, or one expired already.
   */
  async sign(claims: {
    sub: string;
    iss?: string;
    aud?: string;
    /** Negative for a token that expired that many seconds ago. */
    expiresInSeconds?: number;
  }): Promise<string> {
    return this.signToken({
      sub: claims.sub,
      iss: claims.iss ?? this.issuer,
      aud: claims.aud ?? this.audience,
      expiresInSeconds: claims.expiresInSeconds ?? this.lifetimeSeconds,
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    await new Promise<void>(resolve =>
      this.server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', this.base).pathname;
    if (path === JWKS_PATH && req.method === 'GET') {
      json(res, 200, { keys: [this.jwk] });
      return;
    }
    if (path === METADATA_PATH && req.method === 'GET') {
      // RFC 8414 metadata, for whoever discovers the endpoints.
      json(res, 200, {
        issuer: this.issuer,
        token_endpoint: this.tokenEndpoint,
        jwks_uri: this.jwksUrl,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
        ],
      });
      return;
    }
    if (path !== TOKEN_PATH) {
      json(res, 404, { error: 'not_found' });
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const request: TokenRequest = {
      clientAuthentication: 'none',
      grantType: form.get('grant_type') ?? undefined,
      scope: form.get('scope') ?? undefined,
      status: 0,
    };
    this.requests.push(request);
    const answer = (status: number, body: object, headers = {}) => {
      request.status = status;
      json(res, status, body, headers);
    };

    if (
      !/^application\/x-www-form-urlencoded\b/.test(
        req.headers['content-type'] ?? '',
      )
    ) {
      answer(400, {
        error: 'invalid_request',
        error_description: 'the body must be form-encoded',
      });
      return;
    }
    // RFC 6749 section 2.3.1: HTTP Basic with form-encoded parts, or the
    // client_id and client_secret form parameters.
    let id: string | undefined;
    let secret: string | undefined;
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        id = formDecode(decoded.slice(0, colon));
        secret = formDecode(decoded.slice(colon + 1));
        request.clientAuthentication = 'basic';
      }
    } else if (form.has('client_id')) {
      id = form.get('client_id') ?? undefined;
      secret = form.get('client_secret') ?? undefined;
      request.clientAuthentication = 'body';
    }
    request.clientId = id;
    const client = id === undefined ? undefined : this.clients.get(id);
    if (!client || client.secret !== secret) {
      answer(
        401,
        {
          error: 'invalid_client',
          error_description: 'unknown client or wrong secret',
        },
        { 'www-authenticate': 'Basic realm="token issuer"' },
      );
      return;
    }
    if (request.grantType !== 'client_credentials') {
      answer(400, { error: 'unsupported_grant_type' });
      return;
    }
    const expired = this.expiredTokensToIssue > 0;
    if (expired) this.expiredTokensToIssue--;
    const accessToken = await this.signToken({
      sub: client.subject ?? client.id,
      iss: this.issuer,
      aud: this.audience,
      expiresInSeconds: expired ? -60 : this.lifetimeSeconds,
      scope: request.scope,
    });
    request.accessToken = accessToken;
    answer(200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.lifetimeSeconds,
      ...(request.scope ? { scope: request.scope } : {}),
    });
  }

  private async signToken(claims: {
    sub: string;
    iss: string;
    aud: string;
    expiresInSeconds: number;
    scope?: string;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims.scope ? { scope: claims.scope } : {})
      .setProtectedHeader({ alg: 'RS256', kid: this.jwk.kid, typ: 'at+jwt' })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + claims.expiresInSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, {
      'content-type': 'application/json',
      // RFC 6749 section 5.1: token answers are not cached.
      'cache-control': 'no-store',
      ...headers,
    })
    .end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
