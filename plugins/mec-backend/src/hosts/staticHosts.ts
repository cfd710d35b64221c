import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { EdgeHostCredential } from './CredentialCipher';
import { RegisterEdgeHostRequest } from './validation';

/**
 * Reads `mec.hosts.static`, the hosts declared in app-config in the style of
 * the Kubernetes plugin's `clusters` (name, url, caData, authProvider and
 * its token or client certificate).
 */
export function readStaticHosts(config: Config): RegisterEdgeHostRequest[] {
  const entries = config.getOptionalConfigArray('mec.hosts.static') ?? [];
  return entries.map((entry, index) => {
    const where = `mec.hosts.static[${index}]`;
    const authProvider = entry.getString('authProvider');
    let credential: EdgeHostCredential;
    if (authProvider === 'serviceAccount') {
      credential = {
        type: 'serviceAccountToken',
        token: entry.getString('serviceAccountToken'),
      };
    } else if (authProvider === 'clientCertificate') {
      credential = {
        type: 'clientCertificate',
        certData: entry.getString('clientCertData'),
        keyData: entry.getString('clientKeyData'),
      };
    } else {
      throw new InputError(
        `${where}.authProvider must be serviceAccount or clientCertificate, not '${authProvider}'`,
      );
    }
    const policy = entry.getOptionalConfig('namespacePolicy');
    const location = entry.getOptionalConfig('location');
    const labels = entry.getOptional<Record<string, string>>('labels');
    return {
      name: entry.getString('name'),
      title: entry.getOptionalString('title'),
      description: entry.getOptionalString('description'),
      url: entry.getString('url'),
      caData: entry.getOptionalString('caData'),
      credential,
      driver: entry.getOptionalString('driver') ?? 'helm',
      labels: labels ?? {},
      location: location
        ? {
            zone: location.getOptionalString('zone'),
            site: location.getOptionalString('site'),
            latitude: location.getOptionalNumber('latitude'),
            longitude: location.getOptionalNumber('longitude'),
          }
        : undefined,
      namespacePolicy: policy
        ? (policy.get() as RegisterEdgeHostRequest['namespacePolicy'])
        : undefined,
    };
  });
}
