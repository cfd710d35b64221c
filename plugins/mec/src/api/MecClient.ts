import { ResponseError } from '@backstage/errors';
import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { MEC_API_ROOTS, type AppPkgInfo } from '@helmmec/plugin-mec-common';
import { MecApi } from './MecApi';

/**
 * Calls the mec backend with the signed-in user's Backstage token.
 * @public
 */
export class MecClient implements MecApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  async listAppPackages(): Promise<AppPkgInfo[]> {
    return this.get<AppPkgInfo[]>(`${MEC_API_ROOTS.appPkgm}/app_packages`);
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl('mec');
    const response = await this.options.fetchApi.fetch(`${baseUrl}/${path}`, {
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
