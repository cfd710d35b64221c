import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  MEC_API_ROOTS,
  nextPageUrl,
  type AppInstanceInfo,
  type AppInstanceRevision,
  type AppLcmOpOcc,
  type AppPkgInfo,
  type AppPkgInfoModifications,
  type CreateAppInstanceRequest,
  type ChangeAppPkgRequest,
  type CreateAppPkg,
  type EdgeDriverInfo,
  type EdgeDriverList,
  type EdgeHost,
  type EdgeHostList,
  type InstantiateAppRequest,
  type LocalEdgeCluster,
  type Mepm,
  type MepmList,
  type MepmPatch,
  type OperateAppRequest,
  type OperationalState,
  type PlacementPreview,
  type RegisterEdgeHost,
  type RegisterMepm,
  type TerminateAppRequest,
} from '@helmmec/plugin-mec-common';
import { MecApi, MecListPage, MecListQuery } from './MecApi';
import { MecApiError } from './MecApiError';
import { filterTerm } from './mecFilter';

const NEXTPAGE_MARKER = 'nextpage_opaque_marker';

const PKGM = MEC_API_ROOTS.appPkgm;
const LCM = MEC_API_ROOTS.appLcm;

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

  listAppPackages(query: { filter?: string } = {}): Promise<AppPkgInfo[]> {
    return this.listAll<AppPkgInfo[], AppPkgInfo>(
      withQuery(`${PKGM}/app_packages`, query),
    );
  }

  listAppPackagesPage(query: MecListQuery = {}) {
    return this.page<AppPkgInfo>(withQuery(`${PKGM}/app_packages`, query));
  }

  getAppPackage(appPkgId: string): Promise<AppPkgInfo> {
    return this.json(`${PKGM}/app_packages/${enc(appPkgId)}`);
  }

  createAppPackage(request: CreateAppPkg): Promise<AppPkgInfo> {
    return this.json(`${PKGM}/app_packages`, jsonBody('POST', request));
  }

  async uploadAppPackageContent(appPkgId: string, content: Blob) {
    await this.call(`${PKGM}/app_packages/${enc(appPkgId)}/package_content`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/zip' },
      body: content,
    });
  }

  async setAppPackageState(appPkgId: string, state: OperationalState) {
    const body: AppPkgInfoModifications = { operationalState: state };
    await this.call(
      `${PKGM}/app_packages/${enc(appPkgId)}`,
      jsonBody('PATCH', body),
    );
  }

  async deleteAppPackage(appPkgId: string) {
    await this.call(`${PKGM}/app_packages/${enc(appPkgId)}`, {
      method: 'DELETE',
    });
  }

  async getAppD(appPkgId: string): Promise<string> {
    const response = await this.call(
      `${PKGM}/app_packages/${enc(appPkgId)}/appd`,
      { headers: { Accept: 'text/plain' } },
    );
    return response.text();
  }

  listAppInstances(
    query: { filter?: string } = {},
  ): Promise<AppInstanceInfo[]> {
    return this.listAll<AppInstanceInfo[], AppInstanceInfo>(
      withQuery(`${LCM}/app_instances`, query),
    );
  }

  listAppInstancesPage(query: MecListQuery = {}) {
    return this.page<AppInstanceInfo>(withQuery(`${LCM}/app_instances`, query));
  }

  getAppInstance(appInstanceId: string): Promise<AppInstanceInfo> {
    return this.json(`${LCM}/app_instances/${enc(appInstanceId)}`);
  }

  createAppInstance(
    request: CreateAppInstanceRequest,
  ): Promise<AppInstanceInfo> {
    return this.json(`${LCM}/app_instances`, jsonBody('POST', request));
  }

  async deleteAppInstance(appInstanceId: string) {
    await this.call(`${LCM}/app_instances/${enc(appInstanceId)}`, {
      method: 'DELETE',
    });
  }

  instantiateAppInstance(id: string, request: InstantiateAppRequest) {
    return this.lifecycle(id, 'instantiate', request);
  }

  operateAppInstance(
    id: string,
    changeStateTo: OperateAppRequest['changeStateTo'],
  ) {
    const body: OperateAppRequest = { changeStateTo };
    return this.lifecycle(id, 'operate', body);
  }

  terminateAppInstance(
    id: string,
    terminationType: TerminateAppRequest['terminationType'],
  ) {
    const body: TerminateAppRequest = { terminationType };
    return this.lifecycle(id, 'terminate', body);
  }

  changeAppPkg(id: string, request: ChangeAppPkgRequest) {
    return this.lifecycle(id, 'change_app_pkg', request);
  }

  listRevisions(appInstanceId: string): Promise<AppInstanceRevision[]> {
    return this.json(`${LCM}/app_instances/${enc(appInstanceId)}/revisions`);
  }

  listOpOccs(query: { filter?: string } = {}): Promise<AppLcmOpOcc[]> {
    // _links are excluded from lists by default; we need appInstance.
    return this.listAll<AppLcmOpOcc[], AppLcmOpOcc>(
      withQuery(`${LCM}/app_lcm_op_occs?all_fields`, query),
    );
  }

  getOpOcc(opOccId: string): Promise<AppLcmOpOcc> {
    return this.json(`${LCM}/app_lcm_op_occs/${enc(opOccId)}`);
  }

  async retryOpOcc(opOccId: string) {
    await this.call(`${LCM}/app_lcm_op_occs/${enc(opOccId)}/retry`, {
      method: 'POST',
    });
  }

  async failOpOcc(opOccId: string) {
    await this.call(`${LCM}/app_lcm_op_occs/${enc(opOccId)}/fail`, {
      method: 'POST',
    });
  }

  listEdgeHosts(): Promise<EdgeHost[]> {
    return this.listAll<EdgeHostList, EdgeHost>('hosts', list => list.items);
  }

  getEdgeHost(name: string): Promise<EdgeHost> {
    return this.json(`hosts/${enc(name)}`);
  }

  registerEdgeHost(request: RegisterEdgeHost): Promise<EdgeHost> {
    return this.json('hosts', jsonBody('POST', request));
  }

  checkEdgeHost(name: string): Promise<EdgeHost> {
    return this.json(`hosts/${enc(name)}/check`, { method: 'POST' });
  }

  async deleteEdgeHost(name: string) {
    await this.call(`hosts/${enc(name)}`, { method: 'DELETE' });
  }

  async listEdgeDrivers(): Promise<EdgeDriverInfo[]> {
    const list = await this.json<EdgeDriverList>('edge_drivers');
    return list.drivers;
  }

  async getLocalEdgeCluster(): Promise<LocalEdgeCluster | undefined> {
    try {
      return await this.json<LocalEdgeCluster>('local_edge_cluster');
    } catch (error) {
      // Only `npm start` has a local edge cluster.
      if (error instanceof MecApiError && error.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  previewPlacement(
    subject: { appInstanceId: string } | { appPkgId: string },
  ): Promise<PlacementPreview> {
    const query =
      'appInstanceId' in subject
        ? `appInstanceId=${enc(subject.appInstanceId)}`
        : `appPkgId=${enc(subject.appPkgId)}`;
    return this.json(`placement?${query}`);
  }

  listMepmsPage(query: { marker?: string } = {}): Promise<MecListPage<Mepm>> {
    return this.page<Mepm, MepmList>(
      withQuery('mepms', query),
      list => list.items,
    );
  }

  getMepm(name: string): Promise<Mepm> {
    return this.json(`mepms/${enc(name)}`);
  }

  registerMepm(request: RegisterMepm): Promise<Mepm> {
    return this.json('mepms', jsonBody('POST', request));
  }

  updateMepm(name: string, patch: MepmPatch): Promise<Mepm> {
    return this.json(`mepms/${enc(name)}`, jsonBody('PATCH', patch));
  }

  checkMepm(name: string): Promise<Mepm> {
    return this.json(`mepms/${enc(name)}/check`, { method: 'POST' });
  }

  async deleteMepm(name: string) {
    await this.call(`mepms/${enc(name)}`, { method: 'DELETE' });
  }

  private async lifecycle(
    appInstanceId: string,
    task: string,
    body: unknown,
  ): Promise<string> {
    const response = await this.call(
      `${LCM}/app_instances/${enc(appInstanceId)}/${task}`,
      jsonBody('POST', body),
    );
    // 202 carries the op occurrence's URI in Location, but a cross-origin
    // app only sees it when CORS exposes it; otherwise take the newest op
    // occurrence of this instance.
    const location = response.headers.get('Location');
    const fromHeader = location?.split('/').pop();
    if (fromHeader) return fromHeader;
    const instance = await this.getAppInstance(appInstanceId);
    const occs = await this.listOpOccs({
      filter: filterTerm(
        'eq',
        '_links/appInstance/href',
        instance._links.self.href,
      ),
    });
    const newest = occs.sort(
      (a, b) =>
        b.startTime.seconds - a.startTime.seconds ||
        b.startTime.nanoSeconds - a.startTime.nanoSeconds,
    )[0];
    if (!newest) {
      throw new Error(`The backend accepted ${task} but named no operation`);
    }
    return newest.id;
  }

  /**
   * A whole list: every page, following `Link: <…>; rel="next"` (ETSI GS
   * MEC 009 paging; the hosts API pages alike).
   */
  private async listAll<TPage, TItem>(
    path: string,
    itemsOf: (page: TPage) => TItem[] = page => page as unknown as TItem[],
  ): Promise<TItem[]> {
    const items: TItem[] = [];
    let url: string | undefined = `${await this.baseUrl()}/${path}`;
    while (url) {
      const response = await this.fetch(url);
      items.push(...itemsOf((await response.json()) as TPage));
      url = nextPageUrl(url, response.headers.get('Link'));
    }
    return items;
  }

  /** One page of a list, and the marker its `Link: rel="next"` carries. */
  private async page<T, TPage = T[]>(
    path: string,
    itemsOf: (page: TPage) => T[] = page => page as unknown as T[],
  ): Promise<MecListPage<T>> {
    const url = `${await this.baseUrl()}/${path}`;
    const response = await this.fetch(url);
    const items = itemsOf((await response.json()) as TPage);
    const next = nextPageUrl(url, response.headers.get('Link'));
    const nextMarker = next
      ? new URL(next).searchParams.get(NEXTPAGE_MARKER) ?? undefined
      : undefined;
    return { items, nextMarker };
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await this.call(path, init);
    return (await response.json()) as T;
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    return this.fetch(`${await this.baseUrl()}/${path}`, init);
  }

  private baseUrl(): Promise<string> {
    return this.options.discoveryApi.getBaseUrl('mec');
  }

  private async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    const response = await this.options.fetchApi.fetch(url, {
      ...init,
      headers,
    });
    if (!response.ok) {
      throw await MecApiError.fromResponse(response);
    }
    return response;
  }
}

function enc(segment: string) {
  return encodeURIComponent(segment);
}

/** The path with the list query's parameters added. */
function withQuery(path: string, query: MecListQuery): string {
  const params = new URLSearchParams();
  if (query.filter) params.set('filter', query.filter);
  if (query.marker) params.set(NEXTPAGE_MARKER, query.marker);
  const extra = params.toString();
  if (!extra) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${extra}`;
}

function jsonBody(method: string, body: unknown): RequestInit {
  return {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}
