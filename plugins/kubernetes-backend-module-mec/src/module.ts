import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { kubernetesClusterSupplierExtensionPoint } from '@backstage/plugin-kubernetes-node';
import { MecEdgeHostClusterSupplier } from './MecEdgeHostClusterSupplier';

/**
 * Gives Backstage's Kubernetes plugin the MEC edge hosts as clusters, each
 * reached through the mec plugin's read-only proxy, beside the clusters of
 * its own configuration.
 *
 * @public
 */
export const kubernetesModuleMecEdgeHosts = createBackendModule({
  pluginId: 'kubernetes',
  moduleId: 'mec-edge-hosts',
  register(env) {
    env.registerInit({
      deps: {
        clusterSupplier: kubernetesClusterSupplierExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ clusterSupplier, discovery, auth }) {
        // Clusters from kubernetes.clusterLocatorMethods stay, after the hosts.
        clusterSupplier.addClusterSupplier(
          async ({ getDefault }) =>
            new MecEdgeHostClusterSupplier({
              discovery,
              auth,
              otherClusters: await getDefault(),
            }),
        );
      },
    });
  },
});
