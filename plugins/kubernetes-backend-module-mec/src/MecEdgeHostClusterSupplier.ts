import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ClusterDetails,
  KubernetesClustersSupplier,
} from '@backstage/plugin-kubernetes-node';
import {
  nextPageUrl,
  type EdgeHost,
  type EdgeHostList,
} from '@helmmec/plugin-mec-common';

/** Path of the mec plugin's Kubernetes proxy, beside its ETSI APIs. */
const PROXY_PATH = 'kubernetes-proxy';

/**
 * What {@link MecEdgeHostClusterSupplier} needs.
 *
 * @public
 */
export interface MecEdgeHostClusterSupplierOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** How long a read of the edge host list is reused. Default 30 s. */
  cacheTtlMs?: number;
  /**
   * The Kubernetes plugin's own supplier (`kubernetes.clusterLocatorMethods`),
   * whose clusters are listed after the edge hosts.
   */
  otherClusters?: KubernetesClustersSupplier;
}

/**
 * Lists the registered MEC edge hosts as Kubernetes clusters. A cluster's URL
 * is the mec plugin's proxy for that host, and its token is a Backstage
 * token for the mec plugin on behalf of the user the Kubernetes plugin
 * serves: the Kubernetes plugin never sees a host's own credential, and
 * reads only what the proxy allows that user (`kubernetes.resources.read`).
 *
 * The cluster names are the host names, which are also the names of the
 * hosts' `Resource` entities, so that the `catalogRelation` service locator
 * picks the host an instance entity depends on.
 *
 * @public
 */
export class MecEdgeHostClusterSupplier implements KubernetesClustersSupplier {
  private readonly cacheTtlMs: number;
  private cached?: { at: number; clusters: ClusterDetails[] };

  constructor(private readonly options: MecEdgeHostClusterSupplierOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
  }

  /** {@inheritdoc @backstage/plugin-kubernetes-node#KubernetesClustersSupplier.getClusters} */
  async getClusters(options: {
    credentials: BackstageCredentials;
  }): Promise<ClusterDetails[]> {
    const [edgeHosts, token, others] = await Promise.all([
      this.getEdgeHostClusters(),
      this.proxyToken(options.credentials),
      this.options.otherClusters?.getClusters(options) ?? [],
    ]);
    // An edge host wins over a configured cluster of the same name: its
    // Resource entity is the one instance entities depend on.
    const names = new Set(edgeHosts.map(c => c.name));
    return [
      ...edgeHosts.map(cluster => ({
        ...cluster,
        authMetadata: { ...cluster.authMetadata, serviceAccountToken: token },
      })),
      ...others.filter(c => !names.has(c.name)),
    ];
  }

  /**
   * The token the Kubernetes plugin presents to the mec proxy: issued on
   * behalf of whoever asked the Kubernetes plugin, so that the proxy checks
   * that user's own Kubernetes permissions, not this plugin's.
   */
  private async proxyToken(credentials: BackstageCredentials) {
    const { auth } = this.options;
    const { type } = credentials.principal as { type: string };
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf:
        type === 'user' || type === 'service'
          ? credentials
          : await auth.getOwnServiceCredentials(),
      targetPluginId: 'mec',
    });
    return token;
  }

  private async getEdgeHostClusters(): Promise<ClusterDetails[]> {
    if (this.cached && Date.now() - this.cached.at < this.cacheTtlMs) {
      return this.cached.clusters;
    }
    const clusters = await this.readClusters();
    this.cached = { at: Date.now(), clusters };
    return clusters;
  }

  private async readClusters(): Promise<ClusterDetails[]> {
    const { discovery, auth } = this.options;
    const mecBase = (await discovery.getBaseUrl('mec')).replace(/\/+$/, '');
    // The host list is the same for everyone: read as this plugin itself.
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'mec',
    });
    // Every page of the host list, following Link rel="next".
    const items: EdgeHost[] = [];
    let url: string | undefined = `${mecBase}/hosts`;
    while (url) {
      const response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        },
      });
      if (!response.ok) {
        throw await ResponseError.fromResponse(response);
      }
      items.push(...((await response.json()) as EdgeHostList).items);
      url = nextPageUrl(url, response.headers.get('link'));
    }
    // A MEPM's hosts are reached through that MEPM, never by this MEO:
    // the proxy has no connection to them.
    return items
      .filter(host => host.source !== 'mepm')
      .map(host => ({
        name: host.name,
        title: host.title ?? host.name,
        url: `${mecBase}/${PROXY_PATH}/${encodeURIComponent(host.name)}`,
        authMetadata: {
          // Server-side bearer token auth: the frontend sends nothing. The
          // token is set per request (see getClusters).
          'kubernetes.io/auth-provider': 'serviceAccount',
        },
        // Edge clusters rarely run a metrics server; asking would only add errors.
        skipMetricsLookup: true,
      }));
  }
}
