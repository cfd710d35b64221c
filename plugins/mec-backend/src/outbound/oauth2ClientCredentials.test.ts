import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { TokenIssuer } from '../__testUtils__/tokenIssuer';
import {
  ClientCredentials,
  ClientCredentialsTokens,
  OAuth2TokenError,
} from './oauth2ClientCredentials';
import { OutboundUrlError, OutboundUrlPolicy } from './OutboundUrlPolicy';

const SECRET = 'mepm:secret with spaces & symbols';

describe('ClientCredentialsTokens', () => {
  let issuer: TokenIssuer;
  let clock: number;
  const policy = OutboundUrlPolicy.create({ allow: [{ host: '127.0.0.1' }] });
  const tokens = () =>
    ClientCredentialsTokens.create({
      outboundPolicy: policy,
      purpose: 'mecPeer',
      now: () => clock,
    });
  let credentials: ClientCredentials;

  beforeAll(async () => {
    issuer = await TokenIssuer.start({
      audience: 'helmmec-meo',
      clients: [{ id: 'mepm a', secret: SECRET, subject: 'mepm-a' }],
      lifetimeSeconds: 600,
    });
    credentials = {
      tokenEndpoint: issuer.tokenEndpoint,
      clientId: 'mepm a',
      clientSecret: SECRET,
    };
  });
  afterAll(() => issuer.stop());
  beforeEach(() => {
    issuer.requests.length = 0;
    clock = 1_000_000;
  });

  it('asks with client_credentials and HTTP Basic, and gets the issuer’s JWT', async () => {
    const token = await tokens().accessToken({
      ...credentials,
      scope: 'mec.granting mec.app_pkgm',
    });
    expect(issuer.requests).toEqual([
      expect.objectContaining({
        clientAuthentication: 'basic',
        clientId: 'mepm a',
        grantType: 'client_credentials',
        scope: 'mec.granting mec.app_pkgm',
        status: 200,
      }),
    ]);
    expect(decodeJwt(token)).toMatchObject({
      iss: issuer.issuer,
      aud: 'helmmec-meo',
      sub: 'mepm-a',
    });
  });

  it('reuses a token until shortly before it expires, then fetches anew', async () => {
    const cache = tokens();
    const first = await cache.accessToken(credentials);
    expect(await cache.accessToken(credentials)).toBe(first);
    // 600 s lifetime, renewed 30 s early.
    clock += 569_000;
    expect(await cache.accessToken(credentials)).toBe(first);
    expect(issuer.requests).toHaveLength(1);
    clock += 1_000;
    const second = await cache.accessToken(credentials);
    expect(second).not.toBe(first);
    expect(issuer.requests).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const cache = tokens();
    const all = await Promise.all(
      Array.from({ length: 5 }, () => cache.accessToken(credentials)),
    );
    expect(new Set(all).size).toBe(1);
    expect(issuer.requests).toHaveLength(1);
  });

  it('fetches anew after invalidate, and keeps clients apart', async () => {
    const cache = tokens();
    const first = await cache.accessToken(credentials);
    cache.invalidate(credentials);
    const second = await cache.accessToken(credentials);
    expect(second).not.toBe(first);
    // Another scope is another token.
    await cache.accessToken({ ...credentials, scope: 'other' });
    expect(await cache.accessToken(credentials)).toBe(second);
    expect(issuer.requests).toHaveLength(3);
  });

  it('names the endpoint and the OAuth error, never the secret', async () => {
    const wrong = { ...credentials, clientSecret: 'wrong-secret-123' };
    const error = await tokens()
      .accessToken(wrong)
      .catch(e => e);
    expect(error).toBeInstanceOf(OAuth2TokenError);
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `The token endpoint ${issuer.tokenEndpoint} answered 401: invalid_client (unknown client or wrong secret)`,
    );
    expect(error.message).not.toContain('wrong-secret-123');
  });

  it('does not cache a failure', async () => {
    const cache = tokens();
    await expect(
      cache.accessToken({ ...credentials, clientId: 'nobody' }),
    ).rejects.toThrow(/answered 401: invalid_client/);
    await expect(
      cache.accessToken({ ...credentials, clientId: 'nobody' }),
    ).rejects.toThrow(/answered 401/);
    expect(issuer.requests).toHaveLength(2);
  });

  it('reaches the token endpoint only where the outbound policy allows', async () => {
    const elsewhere = ClientCredentialsTokens.create({
      outboundPolicy: OutboundUrlPolicy.create({
        allow: [{ host: 'meo.example.com' }],
        configKey: 'mec.mepm.meo.outbound',
      }),
      purpose: 'mecPeer',
    });
    const error = await elsewhere.accessToken(credentials).catch(e => e);
    expect(error).toBeInstanceOf(OutboundUrlError);
    expect(error.message).toMatch(
      /^The token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token may not be called: .*no mec\.mepm\.meo\.outbound\.allow rule matches host '127\.0\.0\.1'/,
    );
    expect(issuer.requests).toHaveLength(0);
  });

  it('says when the token endpoint cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise(r => closed.close(r));
    await expect(
      tokens().accessToken({
        ...credentials,
        tokenEndpoint: `http://127.0.0.1:${port}/token`,
      }),
    ).rejects.toThrow(
      `The token endpoint http://127.0.0.1:${port}/token did not answer: Could not reach http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });

  describe('against a token endpoint that answers oddly', () => {
    let server: Server;
    let answer: { status: number; body: string };
    let endpoint: string;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(answer.body);
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      endpoint = `http://127.0.0.1:${
        (server.address() as AddressInfo).port
      }/token`;
    });
    afterAll(() => new Promise(r => server.close(r)));

    it.each([
      [200, 'not json', /answered no JSON/],
      [200, '{"token_type":"Bearer"}', /answered no access_token/],
      [
        200,
        '{"access_token":"x","token_type":"mac"}',
        /answered token_type mac, not Bearer/,
      ],
      [500, 'oops', /answered 500$/],
      [
        400,
        '{"error":"invalid_scope","error_description":"no such scope"}',
        /answered 400: invalid_scope \(no such scope\)/,
      ],
    ])('%s %s', async (status, body, message) => {
      answer = { status, body };
      await expect(
        tokens().accessToken({ ...credentials, tokenEndpoint: endpoint }),
      ).rejects.toThrow(message);
    });

    it('blanks the secret even where the endpoint echoes it', async () => {
      answer = {
        status: 401,
        body: JSON.stringify({
          error: 'invalid_client',
          error_description: `secret ${SECRET} is wrong`,
        }),
      };
      const error = await tokens()
        .accessToken({ ...credentials, tokenEndpoint: endpoint })
        .catch(e => e);
      expect(error.message).toContain('invalid_client (secret *** is wrong)');
      expect(error.message).not.toContain(SECRET);
    });

    it('reuses a token without expires_in for a minute', async () => {
      answer = { status: 200, body: '{"access_token":"short-lived"}' };
      const cache = tokens();
      await cache.accessToken({ ...credentials, tokenEndpoint: endpoint });
      answer = { status: 200, body: '{"access_token":"next"}' };
      clock += 53_000;
      expect(
        await cache.accessToken({ ...credentials, tokenEndpoint: endpoint }),
      ).toBe('short-lived');
      clock += 1_000;
      expect(
        await cache.accessToken({ ...credentials, tokenEndpoint: endpoint }),
      ).toBe('next');
    });
  });
});
