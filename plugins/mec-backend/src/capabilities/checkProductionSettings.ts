import { Config } from '@backstage/config';
import { parseIp, specialRangeOf } from '../outbound/addresses';
import { insecureTokenEndpoint } from '../outbound/oauth2ClientCredentials';
import { SecretCipher } from '../secrets';

/**
 * The secrets app-config.yaml falls back to for local use. They are public
 * (in this repository), so outside development they count as missing.
 */
export const DEVELOPMENT_SECRETS: readonly string[] = [
  'helmmec-dev-token',
  'helmmec-dev-edge-pull-token',
  'helmmec-development-only-key',
  'helmmec-dev-mepm-notify-token',
];

/**
 * Whether the backend runs for development, where the settings of
 * app-config.yaml (public secrets, loopback outbound rules) are fine.
 *
 * `auth.environment` decides, as it does for Backstage's auth providers:
 * development only when it is `development`. A config without it counts as
 * development only when NODE_ENV is `development` or `test` (`backstage-cli
 * package start`, jest). NODE_ENV `production` is never development.
 */
export function isDevelopment(
  config: Config,
  nodeEnv: string | undefined,
): boolean {
  if (nodeEnv === 'production') return false;
  const environment = config.getOptionalString('auth.environment');
  if (environment !== undefined) return environment === 'development';
  return nodeEnv === 'development' || nodeEnv === 'test';
}

/**
 * Outside development, refuses a start whose secrets are missing or the
 * public development ones, or whose outbound rules name internal addresses
 * without `mec.outbound.allowPrivateNetworks`: a production start must not
 * silently inherit app-config.yaml.
 *
 * @throws Error naming every offending setting
 */
export function checkProductionSettings(
  config: Config,
  options: { nodeEnv?: string } = {},
): void {
  const nodeEnv = 'nodeEnv' in options ? options.nodeEnv : process.env.NODE_ENV;
  if (isDevelopment(config, nodeEnv)) return;
  const problems = [
    ...checkEncryptionKeys(config),
    // A MEPM serves no Helm repository: its clusters pull from the MEO's.
    ...(config.getOptionalString('mec.role') === 'mepm'
      ? []
      : checkSecret(config, 'mec.helmRepository.pullToken')),
    ...checkExternalAccess(config),
    ...checkMeoAuth(config),
    ...checkOutbound(config, 'mec.outbound'),
    ...checkOutbound(config, 'mec.hosts.outbound'),
    ...checkOutbound(config, 'mec.mepm.meo.outbound'),
    ...checkOutbound(config, 'mec.mepms.outbound'),
    ...checkMepmNotifications(config),
  ];
  if (problems.length > 0) {
    const environment = config.getOptionalString('auth.environment');
    throw new Error(
      `The mec plugin does not start outside development (auth.environment ${
        environment === undefined ? 'not set' : `'${environment}'`
      }, NODE_ENV ${nodeEnv ?? 'not set'}) with these settings: ${problems.join(
        '; ',
      )}`,
    );
  }
}

/**
 * `mec.encryptionKeys`, or the deprecated single `mec.hosts.encryptionKey`:
 * set, none a development default, and each usable (long enough, ids
 * unique).
 */
function checkEncryptionKeys(config: Config): string[] {
  const keys = config.getOptionalConfigArray('mec.encryptionKeys') ?? [];
  const legacy = config.has('mec.hosts.encryptionKey');
  if (keys.length === 0 && !legacy) {
    return ['mec.encryptionKeys is not set'];
  }
  const problems = [
    ...keys.flatMap((key, index) =>
      checkSecret(key, 'secret', `mec.encryptionKeys[${index}].secret`),
    ),
    ...(legacy ? checkSecret(config, 'mec.hosts.encryptionKey') : []),
  ];
  if (problems.length > 0) return problems;
  try {
    SecretCipher.fromConfig(config);
  } catch (error) {
    return [(error as Error).message];
  }
  return [];
}

/** `key` is read from `config` and named as `name` (its full key). */
function checkSecret(config: Config, key: string, name = key): string[] {
  const value = config.getOptionalString(key)?.trim();
  if (!value) {
    return [`${name} is not set`];
  }
  if (DEVELOPMENT_SECRETS.includes(value)) {
    return [`${name} is the public development default`];
  }
  return [];
}

/**
 * Static external-access tokens, and that the pull token is one of them;
 * JWKS entries (OAuth 2.0 clients such as MEPMs) fetch their keys over
 * https.
 */
function checkExternalAccess(config: Config): string[] {
  const problems: string[] = [];
  const mecTokens = new Set<string>();
  const entries = config.getOptionalConfigArray('backend.auth.externalAccess');
  (entries ?? []).forEach((entry, index) => {
    const type = entry.getOptionalString('type');
    if (type === 'jwks') {
      // Whoever can alter the keys in transit can mint accepted tokens.
      const url = entry.getOptionalString('options.url');
      if (url && !url.trim().toLowerCase().startsWith('https://')) {
        problems.push(
          `backend.auth.externalAccess[${index}].options.url '${url}' must use https`,
        );
      }
      return;
    }
    if (type !== 'static') return;
    problems.push(
      ...checkSecret(
        entry,
        'options.token',
        `backend.auth.externalAccess[${index}].options.token`,
      ),
    );
    const token = entry.getOptionalString('options.token');
    const restrictions = entry.getOptionalConfigArray('accessRestrictions');
    const reachesMec =
      !restrictions ||
      restrictions.some(r => r.getOptionalString('plugin') === 'mec');
    if (token && reachesMec) mecTokens.add(token);
  });
  const pullToken = config.getOptionalString('mec.helmRepository.pullToken');
  if (pullToken && !mecTokens.has(pullToken)) {
    problems.push(
      'mec.helmRepository.pullToken is no static backend.auth.externalAccess token of the mec plugin, so edge clusters could not pull charts',
    );
  }
  return problems;
}

/**
 * A MEO that works with MEPMs (role `meo`, or MEPM apiRoots allowed by
 * `mec.mepms.outbound`) needs the token its MEPMs present with their
 * notifications: without it the MEO would silently rely on polling alone.
 */
function checkMepmNotifications(config: Config): string[] {
  const role = config.getOptionalString('mec.role') ?? 'combined';
  const usesMepms =
    role === 'meo' || (role !== 'mepm' && config.has('mec.mepms.outbound'));
  return usesMepms ? checkSecret(config, 'mec.mepms.notificationToken') : [];
}

/**
 * A MEPM's credentials for its MEO (`mec.mepm.meo.auth`): present, not a
 * public development token, and an OAuth 2.0 token endpoint over https.
 */
function checkMeoAuth(config: Config): string[] {
  if (config.getOptionalString('mec.role') !== 'mepm') return [];
  const key = 'mec.mepm.meo.auth';
  const auth = config.getOptionalConfig(key);
  if (!auth) {
    return [
      `${key} is not set, so this MEPM could not authenticate to its MEO`,
    ];
  }
  if (auth.has('token')) return checkSecret(auth, 'token', `${key}.token`);
  const problems = [
    ...checkSecret(auth, 'clientId', `${key}.clientId`),
    ...checkSecret(auth, 'clientSecret', `${key}.clientSecret`),
  ];
  const tokenEndpoint = auth.getOptionalString('tokenEndpoint');
  if (!tokenEndpoint) {
    problems.push(`${key} has neither a token nor a tokenEndpoint`);
  } else {
    const insecure = insecureTokenEndpoint(tokenEndpoint);
    if (insecure) problems.push(`${key}.tokenEndpoint ${insecure}`);
  }
  return problems;
}

/**
 * Rules that name loopback, private or other internal addresses, of
 * `mec.outbound` or of the edge hosts' `mec.hosts.outbound`.
 */
function checkOutbound(config: Config, key: string): string[] {
  const outbound = config.getOptionalConfig(key);
  if (!outbound || outbound.getOptionalBoolean('allowPrivateNetworks')) {
    return [];
  }
  const problems: string[] = [];
  (outbound.getOptionalConfigArray('allow') ?? []).forEach((rule, index) => {
    const host = rule.getString('host').trim();
    const [address, prefixText] = host.split('/');
    const ip = parseIp(address);
    if (!ip) return;
    const prefix =
      prefixText === undefined ? Number.MAX_SAFE_INTEGER : Number(prefixText);
    const special = specialRangeOf(ip);
    // As the policy judges: a rule names a special address only when it is
    // at least as narrow as the special range (0.0.0.0/0 names none).
    if (special && prefix >= special.prefix) {
      problems.push(
        `${key}.allow[${index}].host '${host}' names ${special.kind} addresses, which production reaches only with ${key}.allowPrivateNetworks: true`,
      );
    }
  });
  return problems;
}
