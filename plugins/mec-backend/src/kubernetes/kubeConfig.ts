import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import type * as k8s from '@kubernetes/client-node';

/**
 * Loads `@kubernetes/client-node` on first use: it is an ES module, so it is
 * imported lazily (as the Backstage Kubernetes plugin does).
 */
export async function loadKubernetesClient(): Promise<typeof k8s> {
  return import('@kubernetes/client-node');
}

/**
 * A KubeConfig for one edge host, built in memory from its connection; the
 * credential never touches disk.
 */
export async function kubeConfigFor(
  host: EdgeHostConnection,
): Promise<k8s.KubeConfig> {
  const { KubeConfig } = await loadKubernetesClient();
  const kc = new KubeConfig();
  const user =
    host.credential.type === 'serviceAccountToken'
      ? { name: host.name, token: host.credential.token }
      : {
          name: host.name,
          certData: host.credential.certData,
          keyData: host.credential.keyData,
        };
  kc.loadFromOptions({
    clusters: [
      {
        name: host.name,
        server: host.server,
        caData: host.caData,
        skipTLSVerify: false,
      },
    ],
    users: [user],
    contexts: [{ name: host.name, cluster: host.name, user: host.name }],
    currentContext: host.name,
  });
  return kc;
}
