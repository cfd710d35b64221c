import { Config } from '@backstage/config';
import {
  mecGrantRequestPermission,
  mecHostReadPermission,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceReadPermission,
  mecInstanceTerminatePermission,
  mecMepmNotifyPermission,
  mecPackageDeletePermission,
  mecPackageOnboardPermission,
  mecPackageReadPermission,
  mecPackageUpdatePermission,
  mecPermissions,
  mecSubscriptionManagePermission,
  mecSubscriptionReadPermission,
} from '@helmmec/plugin-mec-common';
import { kubernetesResourcesReadPermission } from '@backstage/plugin-kubernetes-common';
import { BasicPermission } from '@backstage/plugin-permission-common';

/**
 * Every permission a route of the mec plugin may declare: ours, and the
 * Kubernetes plugin's resource read for the Kubernetes proxy.
 */
export const DECLARABLE_PERMISSIONS: ReadonlyMap<string, BasicPermission> =
  new Map(
    [...mecPermissions, kubernetesResourcesReadPermission].map(p => [
      p.name,
      p,
    ]),
  );

const reads = [
  mecPackageReadPermission,
  mecInstanceReadPermission,
  mecSubscriptionReadPermission,
];

/**
 * Named sets of permissions that `mec.clients[].allow` may list instead of
 * single permission names, after the ETSI reference points: `mm1` is what an
 * OSS does with the MEO (packages and application lifecycle), `mm3` what a
 * MEPM does (reads, grants, notifications to the MEO). Helm values are in none of them: list
 * `mec.instance.values.read` explicitly for a client that needs them back.
 */
export const MEC_CLIENT_BUNDLES: Readonly<
  Record<string, readonly BasicPermission[]>
> = {
  mm1: [
    ...reads,
    mecPackageOnboardPermission,
    mecPackageUpdatePermission,
    mecPackageDeletePermission,
    mecInstanceCreatePermission,
    mecInstanceInstantiatePermission,
    mecInstanceOperatePermission,
    mecInstanceTerminatePermission,
    mecSubscriptionManagePermission,
  ],
  mm3: [
    ...reads,
    mecGrantRequestPermission,
    mecSubscriptionManagePermission,
    mecMepmNotifyPermission,
  ],
};

/**
 * What Backstage's own plugins that call the mec plugin may do when
 * `mec.clients` does not list them: the catalog module mirrors packages,
 * instances and hosts; the Kubernetes module lists hosts as clusters and
 * reads their workloads through the Kubernetes proxy.
 */
export const DEFAULT_PLUGIN_CLIENTS: Readonly<
  Record<string, readonly BasicPermission[]>
> = {
  'plugin:catalog': [
    mecPackageReadPermission,
    mecInstanceReadPermission,
    mecHostReadPermission,
  ],
  'plugin:kubernetes': [
    mecHostReadPermission,
    kubernetesResourcesReadPermission,
  ],
};

/**
 * Reads `mec.clients`: for each service subject (a static external-access
 * token's `subject`, or `plugin:<id>` for another backend plugin), the names
 * of the permissions it holds. A listed plugin subject replaces its default.
 * Unknown names stop the backend, naming the setting.
 */
export function readMecClients(config: Config): Map<string, Set<string>> {
  const clients = new Map<string, Set<string>>(
    Object.entries(DEFAULT_PLUGIN_CLIENTS).map(([subject, permissions]) => [
      subject,
      new Set(permissions.map(p => p.name)),
    ]),
  );
  const listed = new Set<string>();
  config.getOptionalConfigArray('mec.clients')?.forEach((entry, index) => {
    const subject = entry.getString('subject');
    if (listed.has(subject)) {
      throw new Error(
        `mec.clients[${index}].subject '${subject}' is listed more than once`,
      );
    }
    listed.add(subject);
    const allowed = new Set<string>();
    entry.getStringArray('allow').forEach((name, i) => {
      const bundle = MEC_CLIENT_BUNDLES[name];
      if (bundle) {
        bundle.forEach(p => allowed.add(p.name));
      } else if (DECLARABLE_PERMISSIONS.has(name)) {
        allowed.add(name);
      } else {
        throw new Error(
          `mec.clients[${index}].allow[${i}] '${name}' is neither a mec permission nor one of ${Object.keys(
            MEC_CLIENT_BUNDLES,
          ).join(', ')}`,
        );
      }
    });
    clients.set(subject, allowed);
  });
  return clients;
}
