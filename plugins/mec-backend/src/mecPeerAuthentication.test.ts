import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AddressInfo } from 'node:net';
import {
  ClientCredentialsTokens,
  createMecApiAuth,
  MecApiClient,
  MecApiError,
  OAuth2TokenError,
  OutboundUrlPolicy,
} from './outbound';
import { mecPlugin } from './plugin';
import { spec as appPkgmSpec } from './schema/openapi/generated/app_pkgm';
import { expectConformingResponse } from './__testUtils__/openApiConformance';
import { TokenIssuer } from './__testUtils__/tokenIssuer';

/**
 * ETSI GS MEC 009 authentication between MEC backends: a peer (a MEPM
 * calling its MEO, or the MEO calling a MEPM) fetches an OAuth 2.0 token
 * with its client credentials from a token issuer, and the backend accepts
 * the issuer's JWTs through Backstage's `jwks` external access, granting
 * the subject what `mec.clients` lists for it.
 */
jest.setTimeout(60_000);

const AUDIENCE = 'helmmec-meo';
const MEPM_SECRET = 'mepm-a-client-secret-7c1e9b';

describe('MEC peers authenticated with OAuth 2.0 client credentials', () => {
  let issuer: TokenIssuer;
  let foreignIssuer: TokenIssuer;
  let apiRoot: string;
  const outboundPolicy = OutboundUrlPolicy.create({
    allow: [{ host: '127.0.0.1' }],
  });

  beforeAll(async () => {
    issuer = await TokenIssuer.start({
      audience: AUDIENCE,
      clients: [
        { id: 'mepm-a', secret: MEPM_SECRET },
        { id: 'stranger', secret: 'stranger-secret-5d2a' },
      ],
    });
    foreignIssuer = await TokenIssuer.start({
      audience: AUDIENCE,
      clients: [],
    });
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        authServiceFactory,
        httpAuthServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              auth: {
                externalAccess: [
                  {
                    type: 'jwks',
                    options: {
                      url: issuer.jwksUrl,
                      issuer: issuer.issuer,
                      audience: AUDIENCE,
                      algorithm: 'RS256',
                      subjectPrefix: 'oauth',
                    },
                    accessRestrictions: [{ plugin: 'mec' }],
                  },
                ],
              },
            },
            mec: {
              // The jwks principal's subject: external:<subjectPrefix>:<sub>.
              clients: [{ subject: 'external:oauth:mepm-a', allow: ['mm3'] }],
              outbound: { allow: [{ host: '127.0.0.1' }] },
            },
          },
        }),
      ],
    });
    const { port } = backend.server.address() as AddressInfo;
    apiRoot = `http://127.0.0.1:${port}/api/mec`;
  });

  afterAll(async () => {
    await issuer.stop();
    await foreignIssuer.stop();
  });

  beforeEach(() => {
    issuer.requests.length = 0;
  });

  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ) => {
    const response = await fetch(`${apiRoot}/app_pkgm/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: text ? JSON.parse(text) : undefined,
    };
  };

  const tokenOf = async (clientId: string, clientSecret: string) =>
    ClientCredentialsTokens.create({
      outboundPolicy,
      purpose: 'mecPeer',
    }).accessToken({
      tokenEndpoint: issuer.tokenEndpoint,
      clientId,
      clientSecret,
    });

  describe('accepting tokens through the jwks external access', () => {
    it('lets a listed client read and act as mec.clients allows, and no more', async () => {
      const token = await tokenOf('mepm-a', MEPM_SECRET);

      const list = await call('GET', '/app_packages', token);
      expect(list.status).toBe(200);
      expectConformingResponse(
        appPkgmSpec,
        { method: 'get', path: '/app_packages' },
        list,
      );

      const subscription = {
        subscriptionType: 'AppPackageOnBoardingSubscription',
        callbackUri: 'http://127.0.0.1:9/mepm/notifications',
      };
      const created = await call('POST', '/subscriptions', token, subscription);
      expect(created.status).toBe(201);
      expectConformingResponse(
        appPkgmSpec,
        { method: 'post', path: '/subscriptions' },
        created,
      );

      // Onboarding is Mm1's, not in the mm3 bundle.
      const onboard = await call('POST', '/app_packages', token, {
        appPkgName: 'x',
        appPkgVersion: '1.0.0',
        checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
      });
      expect(onboard.status).toBe(403);
      expect(onboard.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
      expect(onboard.body.detail).toBe(
        "Client 'external:oauth:mepm-a' does not hold permission mec.package.onboard (see mec.clients)",
      );
      expectConformingResponse(
        appPkgmSpec,
        { method: 'post', path: '/app_packages' },
        onboard,
      );
    });

    it('answers 403 to a valid token of a subject mec.clients does not list', async () => {
      const token = await tokenOf('stranger', 'stranger-secret-5d2a');
      const res = await call('GET', '/app_packages', token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status: 403 });
      expect(res.body.detail).toMatch(/'external:oauth:stranger'/);
      expectConformingResponse(
        appPkgmSpec,
        { method: 'get', path: '/app_packages' },
        res,
      );
    });

    it.each<[string, () => Promise<string>]>([
      [
        'an expired token',
        () => issuer.sign({ sub: 'mepm-a', expiresInSeconds: -5 }),
      ],
      [
        'a token of another issuer',
        () => issuer.sign({ sub: 'mepm-a', iss: 'https://elsewhere.example' }),
      ],
      [
        'a token for another audience',
        () => issuer.sign({ sub: 'mepm-a', aud: 'some-other-service' }),
      ],
      [
        'a token signed with a key the issuer does not publish',
        () => foreignIssuer.sign({ sub: 'mepm-a', iss: issuer.issuer }),
      ],
      ['a malformed JWT', async () => 'not.a.jwt'],
      [
        'an opaque string',
        async () => 'mepm-a-client-secret-without-any-structure',
      ],
    ])('answers 401 ProblemDetails to %s', async (_, make) => {
      const res = await call('GET', '/app_packages', await make());
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
      expectConformingResponse(
        appPkgmSpec,
        { method: 'get', path: '/app_packages' },
        res,
      );
    });
  });

  describe('MecApiClient with OAuth 2.0 client credentials', () => {
    let clock: number;
    const clientOf = (clientSecret = MEPM_SECRET) =>
      MecApiClient.create({
        peer: 'MEO',
        apiRoot,
        outboundPolicy,
        auth: createMecApiAuth(
          {
            type: 'oauth2ClientCredentials',
            tokenEndpoint: issuer.tokenEndpoint,
            clientId: 'mepm-a',
            clientSecret,
            scope: 'mec.mm3',
          },
          {
            outboundPolicy,
            // The test's clock: a token's expiry without waiting for it.
            tokens: ClientCredentialsTokens.create({
              outboundPolicy,
              purpose: 'mecPeer',
              now: () => clock,
            }),
          },
        ),
      });

    beforeEach(() => {
      clock = 1_000_000;
    });

    it('fetches a token once and reuses it', async () => {
      const client = clientOf();
      for (let i = 0; i < 3; i++) {
        const res = await client.request('GET', 'app_pkgm/v1/app_packages');
        expect(res.status).toBe(200);
      }
      expect(issuer.requests).toEqual([
        expect.objectContaining({
          clientId: 'mepm-a',
          clientAuthentication: 'basic',
          grantType: 'client_credentials',
          scope: 'mec.mm3',
          status: 200,
        }),
      ]);
    });

    it('fetches a new token when the cached one is about to expire', async () => {
      const client = clientOf();
      await client.request('GET', 'app_pkgm/v1/app_packages');
      clock += (issuer.lifetimeSeconds - 29) * 1000;
      await client.request('GET', 'app_pkgm/v1/app_packages');
      expect(issuer.requests).toHaveLength(2);
      await client.request('GET', 'app_pkgm/v1/app_packages');
      expect(issuer.requests).toHaveLength(2);
    });

    it('fetches a new token after the peer answered 401, once', async () => {
      const client = clientOf();
      // The first token is refused on arrival, as a revoked one would be.
      issuer.expiredTokensToIssue = 1;
      const res = await client.request('GET', 'app_pkgm/v1/app_packages');
      expect(res.status).toBe(200);
      expect(issuer.requests).toHaveLength(2);

      // Refused again and again: one retry, then the peer's 401.
      issuer.expiredTokensToIssue = 2;
      const fresh = clientOf();
      const error = await fresh
        .request('GET', 'app_pkgm/v1/app_packages')
        .catch(e => e);
      expect(error).toBeInstanceOf(MecApiError);
      expect(error.problem.status).toBe(401);
      expect(issuer.requests).toHaveLength(4);
    });

    it('says why the token endpoint refused, without the secret', async () => {
      const error = await clientOf('a-wrong-secret-4e8b')
        .request('GET', 'app_pkgm/v1/app_packages')
        .catch(e => e);
      expect(error).toBeInstanceOf(OAuth2TokenError);
      expect(error.message).toBe(
        `The token endpoint ${issuer.tokenEndpoint} answered 401: invalid_client (unknown client or wrong secret)`,
      );
      expect(error.message).not.toContain('a-wrong-secret-4e8b');
    });
  });
});
