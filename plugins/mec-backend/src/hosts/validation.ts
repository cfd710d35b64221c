import { InputError } from '@backstage/errors';
import { EdgeHostCredential } from './CredentialCipher';
import { EdgeHostDriver, EdgeHostLocation, NamespacePolicy } from './model';

/** What registering a host takes, from the API or from config. */
export interface RegisterEdgeHostRequest {
  name: string;
  title?: string;
  description?: string;
  url: string;
  caData?: string;
  credential: EdgeHostCredential;
  /** The id of a registered driver; default `helm`. */
  driver?: string;
  labels?: Record<string, string>;
  location?: EdgeHostLocation;
  /** Default `{ mode: 'perInstance' }`. */
  namespacePolicy?: NamespacePolicy;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Leaves room for a 36-character instance id in a 63-character namespace.
const MAX_PREFIX_LENGTH = 26;

/** Checks a host name: a DNS label, as Kubernetes names go. */
export function validateHostName(name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new InputError(
      `Invalid edge host name '${name}': use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

/** Checks the API server URL: absolute https, no credentials in it. */
export function validateServerUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`Invalid edge host url '${url}': not an absolute URL`);
  }
  if (parsed.protocol !== 'https:') {
    throw new InputError(
      `Invalid edge host url '${url}': the Kubernetes API must be reached over https`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new InputError(
      'Invalid edge host url: put credentials in the credential, not in the URL',
    );
  }
}

/**
 * Checks the driver id against the registered drivers (built-in ones and
 * those of backend modules), naming them when it is not one of them.
 */
export function validateDriver(
  driver: string,
  registered: readonly string[],
): EdgeHostDriver {
  if (!registered.includes(driver)) {
    throw new InputError(
      `Unknown driver '${driver}': the registered drivers are ${
        registered.join(', ') || 'none'
      }`,
    );
  }
  return driver;
}

/** Checks that the credential of its type is complete (not that it works). */
export function validateCredential(credential: EdgeHostCredential): void {
  const present = (value: unknown) =>
    typeof value === 'string' && value.trim().length > 0;
  if (credential?.type === 'serviceAccountToken') {
    if (!present(credential.token)) {
      throw new InputError('The credential has no ServiceAccount token');
    }
  } else if (credential?.type === 'clientCertificate') {
    if (!present(credential.certData) || !present(credential.keyData)) {
      throw new InputError(
        'A clientCertificate credential needs both certData and keyData',
      );
    }
  } else {
    throw new InputError(
      'The credential type must be serviceAccountToken or clientCertificate',
    );
  }
}

/** Checks Kubernetes-style labels (`topology.kubernetes.io/zone: eu-1a`). */
export function validateLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (
      (prefix !== undefined &&
        (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) ||
      !LABEL_NAME.test(name)
    ) {
      throw new InputError(`Invalid label key '${key}'`);
    }
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      throw new InputError(
        `Invalid value of label '${key}': at most 63 letters, digits, '-', '_' and '.'`,
      );
    }
  }
}

/** Checks coordinates are WGS 84 degrees. */
export function validateLocation(location: EdgeHostLocation): void {
  const { latitude, longitude } = location;
  if (latitude !== undefined && !(latitude >= -90 && latitude <= 90)) {
    throw new InputError('latitude must be between -90 and 90');
  }
  if (longitude !== undefined && !(longitude >= -180 && longitude <= 180)) {
    throw new InputError('longitude must be between -180 and 180');
  }
}

/** Checks the namespace policy gives valid namespace names. */
export function validateNamespacePolicy(policy: NamespacePolicy): void {
  if (policy?.mode === 'fixed') {
    if (!DNS_LABEL.test(policy.namespace ?? '')) {
      throw new InputError(
        `Invalid namespace '${policy.namespace}': it must be a DNS label`,
      );
    }
  } else if (policy?.mode === 'perInstance') {
    const prefix = policy.prefix;
    if (
      prefix !== undefined &&
      (prefix.length > MAX_PREFIX_LENGTH ||
        !/^[a-z0-9][-a-z0-9]*$/.test(prefix))
    ) {
      throw new InputError(
        `Invalid namespace prefix '${prefix}': at most ${MAX_PREFIX_LENGTH} lowercase letters, digits and '-', starting with a letter or digit`,
      );
    }
  } else {
    throw new InputError('namespacePolicy.mode must be perInstance or fixed');
  }
}

/** Drops undefined members, so stored JSON stays minimal. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as T;
}
