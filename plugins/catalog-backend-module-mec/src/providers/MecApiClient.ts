import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { AppPkgInfo, MEC_API_ROOTS } from '@helmmec/plugin-mec-common';

/** An application instance as the app_lcm API lists it (AppInstanceInfo). */
export interface MecAppInstanceInfo {
  id: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
  appDId: string;
  appProvider?: string;
  appName: string;
  appSoftVersion: string;
  appDVersion?: string;
  appPkgId: string;
  instantiationState: string;
  instantiatedAppState?: { operationalState: string };
  edgeHost?: { name: string; namespace?: string; releaseName?: string };
  _links?: { self?: { href: string } };
}

/** An edge host as the portal's hosts API lists it; never a credential. */
export interface MecEdgeHostInfo {
  name: string;
  title?: string;
  description?: string;
  url: string;
  hasCaData?: boolean;
  driver?: string;
  labels?: Record<string, string>;
  location?: { zone?: string; site?: string };
  source?: string;
  status?: { reachable: boolean; kubernetesVersion?: string };
}

/** Everything the provider mirrors, read at one point in time. */
export interface MecSnapshot {
  /** The mec plugin's base URL, `{apiRoot}` of the ETSI APIs. */
  apiRoot: string;
  packages: AppPkgInfo[];
  instances: MecAppInstanceInfo[];
  hosts: MecEdgeHostInfo[];
}

/**
 * Reads packages, instances and edge hosts from the mec backend plugin over
 * HTTP, with a service token, so that the catalog can run in another backend.
 */
export class MecApiClient {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly auth: AuthService,
  ) {}

  async readSnapshot(): Promise<MecSnapshot> {
    const apiRoot = (await this.discovery.getBaseUrl('mec')).replace(
      /\/+$/,
      '',
    );
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: await this.auth.getOwnServiceCredentials(),
      targetPluginId: 'mec',
    });
    const [packages, instances, hostList] = await Promise.all([
      this.getAll<AppPkgInfo>(
        `${apiRoot}/${MEC_API_ROOTS.appPkgm}/app_packages?all_fields`,
        token,
      ),
      this.getAll<MecAppInstanceInfo>(
        `${apiRoot}/${MEC_API_ROOTS.appLcm}/app_instances`,
        token,
      ),
      this.get<{ items: MecEdgeHostInfo[] }>(`${apiRoot}/hosts`, token),
    ]);
    return { apiRoot, packages, instances, hosts: hostList.body.items };
  }

  /** Reads an ETSI list, following `Link: <…>; rel="next"` pages if any. */
  private async getAll<T>(url: string, token: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = url;
    while (next) {
      const page: { body: T[]; next?: string } = await this.get<T[]>(
        next,
        token,
      );
      items.push(...page.body);
      next = page.next;
    }
    return items;
  }

  private async get<T>(
    url: string,
    token: string,
  ): Promise<{ body: T; next?: string }> {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const link = response.headers.get('link') ?? '';
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1];
    return {
      body: (await response.json()) as T,
      next: next ? new URL(next, url).toString() : undefined,
    };
  }
}
