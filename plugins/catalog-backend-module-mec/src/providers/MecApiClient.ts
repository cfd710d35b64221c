import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  AppInstanceInfo,
  AppPkgInfo,
  EdgeHost,
  EdgeHostList,
  MEC_API_ROOTS,
  nextPageUrl,
} from '@helmmec/plugin-mec-common';

/** Everything the provider mirrors, read at one point in time. */
export interface MecSnapshot {
  /** The mec plugin's base URL, `{apiRoot}` of the ETSI APIs. */
  apiRoot: string;
  packages: AppPkgInfo[];
  instances: AppInstanceInfo[];
  hosts: EdgeHost[];
}

/** Which resources to read again, after the mec plugin announced changes. */
export interface MecResourceIds {
  appPkgIds: string[];
  appInstanceIds: string[];
  hostNames: string[];
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

  /** Everything, for a full mutation or a diff of the whole. */
  async readSnapshot(): Promise<MecSnapshot> {
    const { apiRoot, token } = await this.connect();
    const [packages, instances, hosts] = await Promise.all([
      this.getAll<AppPkgInfo[], AppPkgInfo>(
        `${apiRoot}/${MEC_API_ROOTS.appPkgm}/app_packages?all_fields`,
        token,
        page => page,
      ),
      this.getAll<AppInstanceInfo[], AppInstanceInfo>(
        `${apiRoot}/${MEC_API_ROOTS.appLcm}/app_instances`,
        token,
        page => page,
      ),
      this.getAll<EdgeHostList, EdgeHost>(
        `${apiRoot}/hosts`,
        token,
        page => page.items,
      ),
    ]);
    return { apiRoot, packages, instances, hosts };
  }

  /**
   * Only the named resources; those that are gone (404) are left out of the
   * snapshot, which then holds nothing else.
   */
  async readResources(ids: MecResourceIds): Promise<MecSnapshot> {
    const { apiRoot, token } = await this.connect();
    const readEach = <T>(paths: string[]) =>
      Promise.all(
        paths.map(path => this.getIfExists<T>(`${apiRoot}${path}`, token)),
      );
    const [packages, instances, hosts] = await Promise.all([
      readEach<AppPkgInfo>(
        ids.appPkgIds.map(
          id =>
            `/${MEC_API_ROOTS.appPkgm}/app_packages/${encodeURIComponent(id)}`,
        ),
      ),
      readEach<AppInstanceInfo>(
        ids.appInstanceIds.map(
          id =>
            `/${MEC_API_ROOTS.appLcm}/app_instances/${encodeURIComponent(id)}`,
        ),
      ),
      readEach<EdgeHost>(
        ids.hostNames.map(name => `/hosts/${encodeURIComponent(name)}`),
      ),
    ]);
    const present = <T>(items: Array<T | undefined>) =>
      items.filter((item): item is T => item !== undefined);
    return {
      apiRoot,
      packages: present(packages),
      instances: present(instances),
      hosts: present(hosts),
    };
  }

  private async connect(): Promise<{ apiRoot: string; token: string }> {
    const apiRoot = (await this.discovery.getBaseUrl('mec')).replace(
      /\/+$/,
      '',
    );
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: await this.auth.getOwnServiceCredentials(),
      targetPluginId: 'mec',
    });
    return { apiRoot, token };
  }

  private async getIfExists<T>(url: string, token: string) {
    try {
      return (await this.get<T>(url, token)).body;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Reads a whole list, following `Link: <…>; rel="next"` from page to page
   * (ETSI GS MEC 009 paging; the hosts API pages alike).
   */
  private async getAll<TPage, TItem>(
    url: string,
    token: string,
    itemsOf: (page: TPage) => TItem[],
  ): Promise<TItem[]> {
    const items: TItem[] = [];
    let next: string | undefined = url;
    while (next) {
      const page: { body: TPage; next?: string } = await this.get<TPage>(
        next,
        token,
      );
      items.push(...itemsOf(page.body));
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
    return {
      body: (await response.json()) as T,
      next: nextPageUrl(url, response.headers.get('link')),
    };
  }
}
