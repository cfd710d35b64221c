import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import {
  checkProductionSettings,
  DEVELOPMENT_SECRETS,
  isDevelopment,
} from './checkProductionSettings';

// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../../..');

function readAppConfig(file: string): string {
  return readFileSync(resolve(repoRoot, file), 'utf8');
}

/**
 * Reads a config file as `backstage-cli` and the backend do: `${VAR}` and
 * `${VAR:-default}` from `env`; a value naming an unset variable is dropped.
 */
function loadAppConfig(file: string, env: Record<string, string>): JsonObject {
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let unset = false;
      const text = value.replace(
        /\$\{(\w+)(?::-([^}]*))?\}/g,
        (_, name: string, fallback?: string) => {
          const found = env[name] ?? fallback;
          if (found === undefined) unset = true;
          return found ?? '';
        },
      );
      return unset ? undefined : text;
    }
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .map(([key, item]) => [key, substitute(item)])
          .filter(([, item]) => item !== undefined),
      );
    }
    return value;
  };
  return substitute(parse(readAppConfig(file))) as JsonObject;
}

const PRODUCTION_ENV = {
  APP_BASE_URL: 'https://portal.example.com',
  BACKEND_BASE_URL: 'https://portal.example.com',
  POSTGRES_HOST: 'db',
  POSTGRES_PORT: '5432',
  POSTGRES_USER: 'backstage',
  POSTGRES_PASSWORD: 'secret',
  MEC_API_TOKEN: 'api-token-0123456789abcdef',
  MEC_EDGE_PULL_TOKEN: 'pull-token-0123456789abcdef',
  MEC_ENCRYPTION_KEY: 'QmFzZTY0IGtleSBvZiAzMiBieXRlcyBmb3IgdGVzdHMh',
};

/** app-config.yaml, then app-config.production.yaml, as production starts. */
function productionConfig(env: Record<string, string>) {
  return ConfigReader.fromConfigs([
    { context: 'app-config.yaml', data: loadAppConfig('app-config.yaml', env) },
    {
      context: 'app-config.production.yaml',
      data: loadAppConfig('app-config.production.yaml', env),
    },
  ]);
}

const staticToken = (token: string, subject: string) => ({
  type: 'static',
  options: { token, subject },
  accessRestrictions: [{ plugin: 'mec' }],
});

/** A complete production configuration, before each case breaks it. */
const complete = {
  auth: { environment: 'production' },
  backend: {
    auth: {
      externalAccess: [
        staticToken('api-token-0123456789abcdef', 'mec-api-client'),
        staticToken('pull-token-0123456789abcdef', 'mec-edge-pull'),
      ],
    },
  },
  mec: {
    outbound: {
      allow: [
        { host: 'charts.example.com' },
        { host: '203.0.113.0/24' },
        { host: '0.0.0.0/0' },
      ],
    },
    helmRepository: { pullToken: 'pull-token-0123456789abcdef' },
    encryptionKeys: [{ id: 'k1', secret: 'a production passphrase' }],
    hosts: {},
  },
};

function withChange(change: (config: any) => void): ConfigReader {
  const data = structuredClone(complete);
  change(data);
  return new ConfigReader(data);
}

describe('checkProductionSettings', () => {
  it('accepts a complete production configuration', () => {
    expect(() =>
      checkProductionSettings(new ConfigReader(complete), {
        nodeEnv: 'production',
      }),
    ).not.toThrow();
  });

  it.each<[string, (config: any) => void, RegExp]>([
    [
      'no encryption key',
      c => delete c.mec.encryptionKeys,
      /mec\.encryptionKeys is not set/,
    ],
    [
      'the development encryption key',
      c => (c.mec.encryptionKeys[0].secret = 'helmmec-development-only-key'),
      /mec\.encryptionKeys\[0\]\.secret is the public development default/,
    ],
    [
      'a short encryption key',
      c => c.mec.encryptionKeys.push({ id: 'k0', secret: 'short' }),
      /mec\.encryptionKeys\[1\] is too short/,
    ],
    [
      'the development key as the deprecated single key',
      c => {
        delete c.mec.encryptionKeys;
        c.mec.hosts = { encryptionKey: 'helmmec-development-only-key' };
      },
      /mec\.hosts\.encryptionKey is the public development default/,
    ],
    [
      'no pull token',
      c => delete c.mec.helmRepository,
      /mec\.helmRepository\.pullToken is not set/,
    ],
    [
      'the development pull token',
      c => {
        c.mec.helmRepository.pullToken = 'helmmec-dev-edge-pull-token';
        c.backend.auth.externalAccess[1].options.token =
          'helmmec-dev-edge-pull-token';
      },
      /mec\.helmRepository\.pullToken is the public development default/,
    ],
    [
      'a pull token no external-access entry accepts',
      c => (c.mec.helmRepository.pullToken = 'another-token-0123456789'),
      /mec\.helmRepository\.pullToken is no static backend\.auth\.externalAccess token/,
    ],
    [
      'a pull token restricted to another plugin',
      c =>
        (c.backend.auth.externalAccess[1].accessRestrictions = [
          { plugin: 'catalog' },
        ]),
      /mec\.helmRepository\.pullToken is no static/,
    ],
    [
      'the development API token',
      c =>
        (c.backend.auth.externalAccess[0].options.token = 'helmmec-dev-token'),
      /backend\.auth\.externalAccess\[0\]\.options\.token is the public development default/,
    ],
    [
      'an external-access token without a value',
      c => delete c.backend.auth.externalAccess[0].options.token,
      /backend\.auth\.externalAccess\[0\]\.options\.token is not set/,
    ],
    [
      'an empty external-access token',
      c => (c.backend.auth.externalAccess[0].options.token = ' '),
      /backend\.auth\.externalAccess\[0\]\.options\.token is not set/,
    ],
    [
      'an outbound rule for loopback',
      c => c.mec.outbound.allow.push({ host: '127.0.0.1' }),
      /mec\.outbound\.allow\[3\]\.host '127\.0\.0\.1' names loopback addresses/,
    ],
    [
      'an outbound rule for IPv6 loopback',
      c => c.mec.outbound.allow.push({ host: '::1' }),
      /mec\.outbound\.allow\[3\]\.host '::1' names/,
    ],
    [
      'an outbound rule for a private range',
      c => (c.mec.outbound.allow[1] = { host: '10.0.0.0/8', ports: [443] }),
      /mec\.outbound\.allow\[1\]\.host '10\.0\.0\.0\/8' names private addresses.*allowPrivateNetworks/,
    ],
    [
      'an outbound rule inside a link-local range',
      c => c.mec.outbound.allow.push({ host: '169.254.169.254' }),
      /mec\.outbound\.allow\[3\]\.host '169\.254\.169\.254' names link-local/,
    ],
    [
      'an edge host rule for loopback',
      c => (c.mec.hosts.outbound = { allow: [{ host: '127.0.0.1' }] }),
      /mec\.hosts\.outbound\.allow\[0\]\.host '127\.0\.0\.1' names loopback addresses, which production reaches only with mec\.hosts\.outbound\.allowPrivateNetworks: true/,
    ],
    [
      'an edge host rule for a private range',
      c =>
        (c.mec.hosts.outbound = {
          allow: [{ host: 'edge.example.com' }, { host: '10.0.0.0/8' }],
        }),
      /mec\.hosts\.outbound\.allow\[1\]\.host '10\.0\.0\.0\/8' names private addresses/,
    ],
  ])('refuses %s, naming the setting', (_, change, message) => {
    expect(() =>
      checkProductionSettings(withChange(change), { nodeEnv: 'production' }),
    ).toThrow(message);
  });

  describe("a MEO's notifications from its MEPMs", () => {
    const check = (change: (config: any) => void) => () =>
      checkProductionSettings(withChange(change), { nodeEnv: 'production' });

    it('need mec.mepms.notificationToken in role meo, or with MEPM rules', () => {
      expect(check(c => (c.mec.role = 'meo'))).toThrow(
        /mec\.mepms\.notificationToken is not set/,
      );
      expect(
        check(c => {
          c.mec.mepms = {
            outbound: { allow: [{ host: 'mepm.example.com' }] },
            notificationToken: 'helmmec-dev-mepm-notify-token',
          };
        }),
      ).toThrow(
        /mec\.mepms\.notificationToken is the public development default/,
      );
      expect(
        check(c => {
          c.mec.role = 'meo';
          c.mec.mepms = { notificationToken: 'notify-token-0123456789abcdef' };
        }),
      ).not.toThrow();
    });

    it('are not asked for without MEPMs', () => {
      expect(check(() => {})).not.toThrow();
    });
  });

  describe('a MEPM', () => {
    const meoAuth = (auth: unknown) =>
      withChange(c => {
        c.mec.role = 'mepm';
        c.mec.mepm = { meo: { apiRoot: 'https://meo.example.com/api/mec' } };
        if (auth) c.mec.mepm.meo.auth = auth;
      });
    const oauth = {
      tokenEndpoint: 'https://login.example.com/oauth2/token',
      clientId: 'mepm-a',
      clientSecret: 'a-production-client-secret',
    };
    const check = (config: ConfigReader) => () =>
      checkProductionSettings(config, { nodeEnv: 'production' });

    it('starts with OAuth 2.0 client credentials over https, or its own token', () => {
      expect(check(meoAuth(oauth))).not.toThrow();
      expect(
        check(meoAuth({ token: 'meo-token-0123456789abcdef' })),
      ).not.toThrow();
    });

    it.each<[string, unknown, RegExp]>([
      [
        'without mec.mepm.meo.auth',
        undefined,
        /mec\.mepm\.meo\.auth is not set, so this MEPM could not authenticate to its MEO/,
      ],
      [
        'with the development token',
        { token: 'helmmec-dev-token' },
        /mec\.mepm\.meo\.auth\.token is the public development default/,
      ],
      [
        'with an empty token',
        { token: ' ' },
        /mec\.mepm\.meo\.auth\.token is not set/,
      ],
      [
        'with a token endpoint over http',
        { ...oauth, tokenEndpoint: 'http://login.example.com/oauth2/token' },
        /mec\.mepm\.meo\.auth\.tokenEndpoint http:\/\/login\.example\.com\/oauth2\/token must use https outside development/,
      ],
      [
        'with an empty client secret',
        { ...oauth, clientSecret: ' ' },
        /mec\.mepm\.meo\.auth\.clientSecret is not set/,
      ],
      [
        'with neither token nor token endpoint',
        { clientId: 'mepm-a', clientSecret: 'a-production-client-secret' },
        /mec\.mepm\.meo\.auth has neither a token nor a tokenEndpoint/,
      ],
    ])('does not start %s', (_, auth, message) => {
      expect(check(meoAuth(auth))).toThrow(message);
    });

    it('needs no Helm repository pull token of its own', () => {
      const config = withChange(c => {
        c.mec.role = 'mepm';
        c.mec.mepm = {
          meo: { apiRoot: 'https://meo.example.com/api/mec', auth: oauth },
        };
        delete c.mec.helmRepository;
        c.backend.auth.externalAccess.pop();
      });
      expect(check(config)).not.toThrow();
    });

    it('reaches its MEO on internal addresses only with allowPrivateNetworks', () => {
      const reaching = (outbound: unknown) =>
        withChange(c => {
          c.mec.role = 'mepm';
          c.mec.mepm = {
            meo: {
              apiRoot: 'https://meo.internal/api/mec',
              auth: oauth,
              outbound,
            },
          };
        });
      expect(check(reaching({ allow: [{ host: '10.1.2.3' }] }))).toThrow(
        /mec\.mepm\.meo\.outbound\.allow\[0\]\.host '10\.1\.2\.3' names private addresses/,
      );
      expect(
        check(
          reaching({
            allow: [{ host: '10.1.2.3' }],
            allowPrivateNetworks: true,
          }),
        ),
      ).not.toThrow();
    });
  });

  it('accepts OAuth 2.0 clients through a jwks entry over https only', () => {
    const jwks = (url: string) =>
      withChange(c =>
        c.backend.auth.externalAccess.push({
          type: 'jwks',
          options: {
            url,
            issuer: 'https://login.example.com',
            audience: 'helmmec-meo',
          },
          accessRestrictions: [{ plugin: 'mec' }],
        }),
      );
    expect(() =>
      checkProductionSettings(
        jwks('https://login.example.com/.well-known/jwks.json'),
        { nodeEnv: 'production' },
      ),
    ).not.toThrow();
    expect(() =>
      checkProductionSettings(
        jwks('http://login.example.com/.well-known/jwks.json'),
        { nodeEnv: 'production' },
      ),
    ).toThrow(
      /backend\.auth\.externalAccess\[2\]\.options\.url 'http:\/\/login\.example\.com\/\.well-known\/jwks\.json' must use https/,
    );
  });

  it('names every offending setting at once', () => {
    const config = withChange(c => {
      delete c.mec.encryptionKeys;
      c.mec.outbound.allow = [{ host: '127.0.0.1' }];
    });
    expect(() =>
      checkProductionSettings(config, { nodeEnv: 'production' }),
    ).toThrow(/mec\.encryptionKeys is not set; mec\.outbound\.allow\[0\]/);
  });

  it('lets edge host rules name internal addresses with their own allowPrivateNetworks', () => {
    const config = withChange(c => {
      c.mec.hosts.outbound = {
        allow: [{ host: '10.0.0.0/8', schemes: ['https'] }],
        allowPrivateNetworks: true,
      };
    });
    expect(() =>
      checkProductionSettings(config, { nodeEnv: 'production' }),
    ).not.toThrow();
  });

  it('lets outbound rules name internal addresses with allowPrivateNetworks', () => {
    const config = withChange(c => {
      c.mec.outbound.allow.push({ host: '10.0.0.0/8' }, { host: '127.0.0.1' });
      c.mec.outbound.allowPrivateNetworks = true;
    });
    expect(() =>
      checkProductionSettings(config, { nodeEnv: 'production' }),
    ).not.toThrow();
  });

  it('allows the development settings in development', () => {
    const development = ConfigReader.fromConfigs([
      {
        context: 'app-config.yaml',
        data: loadAppConfig('app-config.yaml', {}),
      },
    ]);
    expect(isDevelopment(development, 'development')).toBe(true);
    expect(() =>
      checkProductionSettings(development, { nodeEnv: 'development' }),
    ).not.toThrow();
    // Without auth.environment, as the tests' backends start.
    expect(() =>
      checkProductionSettings(new ConfigReader({}), { nodeEnv: 'test' }),
    ).not.toThrow();
  });

  it('knows development from auth.environment, then NODE_ENV', () => {
    const environment = (value?: string) =>
      new ConfigReader(value ? { auth: { environment: value } } : {});
    expect(isDevelopment(environment('development'), 'development')).toBe(true);
    expect(isDevelopment(environment('development'), undefined)).toBe(true);
    expect(isDevelopment(environment('production'), 'development')).toBe(false);
    expect(isDevelopment(environment('staging'), 'test')).toBe(false);
    expect(isDevelopment(environment(), 'development')).toBe(true);
    expect(isDevelopment(environment(), 'test')).toBe(true);
    expect(isDevelopment(environment(), undefined)).toBe(false);
    // NODE_ENV production is never development.
    expect(isDevelopment(environment('development'), 'production')).toBe(false);
    expect(isDevelopment(environment(), 'production')).toBe(false);
  });

  it('refuses the development settings of app-config.yaml outside development', () => {
    const config = ConfigReader.fromConfigs([
      {
        context: 'app-config.yaml',
        data: loadAppConfig('app-config.yaml', {}),
      },
    ]);
    expect(() =>
      checkProductionSettings(config, { nodeEnv: 'production' }),
    ).toThrow(
      /mec\.encryptionKeys\[0\]\.secret is the public development default; mec\.helmRepository\.pullToken is the public development default; backend\.auth\.externalAccess\[0\]\.options\.token is the public development default; backend\.auth\.externalAccess\[1\]\.options\.token is the public development default; backend\.auth\.externalAccess\[2\]\.options\.token is the public development default; mec\.outbound\.allow\[0\]\.host '127\.0\.0\.1' names loopback addresses/,
    );
  });

  it('knows every secret default of app-config.yaml', () => {
    const defaults = [
      ...readAppConfig('app-config.yaml').matchAll(
        /\$\{\w*(?:TOKEN|KEY|SECRET|PASSWORD)\w*:-([^}]*)\}/g,
      ),
    ].map(match => match[1]);
    expect(defaults.length).toBeGreaterThanOrEqual(3);
    for (const value of defaults) {
      expect(DEVELOPMENT_SECRETS).toContain(value);
    }
  });

  it('accepts app-config.production.yaml with its environment', () => {
    expect(() =>
      checkProductionSettings(productionConfig(PRODUCTION_ENV), {
        nodeEnv: 'production',
      }),
    ).not.toThrow();
  });

  it('refuses app-config.production.yaml without its environment, naming each setting', () => {
    const {
      MEC_API_TOKEN: _api,
      MEC_EDGE_PULL_TOKEN: _pull,
      MEC_ENCRYPTION_KEY: _key,
      ...rest
    } = PRODUCTION_ENV;
    let message = '';
    try {
      checkProductionSettings(productionConfig(rest), {
        nodeEnv: 'production',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    // An unset variable drops the production value, so the development
    // default of app-config.yaml shows through where there is one (but
    // production's list of keys replaces the development one).
    expect(message).toContain('mec.encryptionKeys[0].secret is not set');
    expect(message).toContain(
      'mec.helmRepository.pullToken is the public development default',
    );
    expect(message).toContain(
      'backend.auth.externalAccess[0].options.token is not set',
    );
    expect(message).toContain(
      'backend.auth.externalAccess[1].options.token is not set',
    );
  });

  it('refuses app-config.production.yaml with development secrets', () => {
    expect(() =>
      checkProductionSettings(
        productionConfig({
          ...PRODUCTION_ENV,
          MEC_ENCRYPTION_KEY: 'helmmec-development-only-key',
        }),
        { nodeEnv: 'production' },
      ),
    ).toThrow(
      /mec\.encryptionKeys\[0\]\.secret is the public development default/,
    );
    // The deprecated single key of earlier releases is checked too.
    expect(() =>
      checkProductionSettings(
        productionConfig({
          ...PRODUCTION_ENV,
          MEC_HOSTS_ENCRYPTION_KEY: 'helmmec-development-only-key',
        }),
        { nodeEnv: 'production' },
      ),
    ).toThrow(/mec\.hosts\.encryptionKey is the public development default/);
  });
});
