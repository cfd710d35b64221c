import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import type * as k8s from '@kubernetes/client-node';

let client: Promise<typeof k8s> | undefined;

/**
 * Loads `@kubernetes/client-node` on first use, once: it is an ES module.
 * Node 20.19+ can require() it, which keeps a single module instance under
 * every loader (the backend's SWC hook, jest); elsewhere it is imported.
 * Two instances would mix a KubeConfig of one with API classes of the other.
 */
export function loadKubernetesClient(): Promise<typeof k8s> {
  client ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require('@kubernetes/client-node');
    } catch (error: any) {
      if (
        !/ES Module|ERR_REQUIRE_ESM|require\(\) of ES/i.test(
          `${error?.code} ${error?.message}`,
        )
      ) {
        throw error;
      }
      return import('@kubernetes/client-node');
    }
  })();
  return client;
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
