import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AppInstanceInfo,
  AppInstanceRevision,
  AppLcmOpOcc,
  AppPkgInfo,
  CreateAppInstanceRequest,
  CreateAppPkg,
  ChangeAppPkgRequest,
  EdgeDriverInfo,
  EdgeHost,
  InstantiateAppRequest,
  LocalEdgeCluster,
  Mepm,
  MepmPatch,
  OperateAppRequest,
  OperationalState,
  PlacementPreview,
  RegisterEdgeHost,
  RegisterMepm,
  TerminateAppRequest,
} from '@helmmec/plugin-mec-common';

/**
 * A query of a list: an ETSI GS MEC 009 attribute-based filter and the
 * page to read.
 * @public
 */
export interface MecListQuery {
  /** e.g. `(eq,instantiationState,INSTANTIATED);(cont,appInstanceName,video)` */
  filter?: string;
  /** The `nextpage_opaque_marker` of the page wanted; none for the first. */
  marker?: string;
}

/**
 * One page of a list, in the list's stable order (creation), with the
 * marker of the next page when there is one.
 * @public
 */
export interface MecListPage<T> {
  items: T[];
  nextMarker?: string;
}

/**
 * The portal's view of the mec backend's ETSI APIs and its edge host
 * registry. Every call rejects with a {@link MecApiError} when the backend
 * refuses.
 * @public
 */
export interface MecApi {
  /** Every package the filter matches, all pages read: for short lists. */
  listAppPackages(query?: { filter?: string }): Promise<AppPkgInfo[]>;
  /** One page of packages, as the backend pages them. */
  listAppPackagesPage(query?: MecListQuery): Promise<MecListPage<AppPkgInfo>>;
  getAppPackage(appPkgId: string): Promise<AppPkgInfo>;
  /** Creates the package resource; with appPkgPath the MEO fetches it. */
  createAppPackage(request: CreateAppPkg): Promise<AppPkgInfo>;
  /** Uploads a package ZIP to a package in CREATED. */
  uploadAppPackageContent(appPkgId: string, content: Blob): Promise<void>;
  setAppPackageState(
    appPkgId: string,
    operationalState: OperationalState,
  ): Promise<void>;
  deleteAppPackage(appPkgId: string): Promise<void>;
  /** The AppD as onboarded (YAML or JSON text). */
  getAppD(appPkgId: string): Promise<string>;

  /** Every instance the filter matches, all pages read: for short lists. */
  listAppInstances(query?: { filter?: string }): Promise<AppInstanceInfo[]>;
  /** One page of instances, as the backend pages them. */
  listAppInstancesPage(
    query?: MecListQuery,
  ): Promise<MecListPage<AppInstanceInfo>>;
  getAppInstance(appInstanceId: string): Promise<AppInstanceInfo>;
  createAppInstance(
    request: CreateAppInstanceRequest,
  ): Promise<AppInstanceInfo>;
  deleteAppInstance(appInstanceId: string): Promise<void>;
  /** Each lifecycle call resolves to the id of its op occurrence. */
  instantiateAppInstance(
    appInstanceId: string,
    request: InstantiateAppRequest,
  ): Promise<string>;
  operateAppInstance(
    appInstanceId: string,
    changeStateTo: OperateAppRequest['changeStateTo'],
  ): Promise<string>;
  terminateAppInstance(
    appInstanceId: string,
    terminationType: TerminateAppRequest['terminationType'],
  ): Promise<string>;
  /**
   * Moves an instantiated instance to another onboarded version of its
   * application (HelmMEC's change_app_pkg extension).
   */
  changeAppPkg(
    appInstanceId: string,
    request: ChangeAppPkgRequest,
  ): Promise<string>;
  /** The revisions of the instance's release, newest first (HelmMEC extension). */
  listRevisions(appInstanceId: string): Promise<AppInstanceRevision[]>;
  /**
   * Every op occurrence the filter matches, with its links; one instance's
   * with `(eq,_links/appInstance/href,<the instance's self href>)`.
   */
  listOpOccs(query?: { filter?: string }): Promise<AppLcmOpOcc[]>;
  getOpOcc(opOccId: string): Promise<AppLcmOpOcc>;
  retryOpOcc(opOccId: string): Promise<void>;
  failOpOcc(opOccId: string): Promise<void>;

  listEdgeHosts(): Promise<EdgeHost[]>;
  getEdgeHost(name: string): Promise<EdgeHost>;
  registerEdgeHost(request: RegisterEdgeHost): Promise<EdgeHost>;
  checkEdgeHost(name: string): Promise<EdgeHost>;
  deleteEdgeHost(name: string): Promise<void>;
  /**
   * The edge drivers a host may name, sorted by id: the built-in ones and
   * those that backend modules add.
   */
  listEdgeDrivers(): Promise<EdgeDriverInfo[]>;
  /**
   * How far `npm start` is with its local edge cluster (building, starting,
   * registering, registered, failed); undefined where the backend has none.
   */
  getLocalEdgeCluster(): Promise<LocalEdgeCluster | undefined>;
  /**
   * Where the MEO would place an instance (or a package's application) now,
   * and why the other hosts do not fit; grants nothing.
   */
  previewPlacement(
    subject: { appInstanceId: string } | { appPkgId: string },
  ): Promise<PlacementPreview>;

  /** One page of the MEPMs registered with this MEO, by name. */
  listMepmsPage(query?: { marker?: string }): Promise<MecListPage<Mepm>>;
  getMepm(name: string): Promise<Mepm>;
  /** Registers a MEPM; the backend checks it at once. */
  registerMepm(request: RegisterMepm): Promise<Mepm>;
  /** Changes title, description, apiRoot or credentials. */
  updateMepm(name: string, patch: MepmPatch): Promise<Mepm>;
  /** Reads the MEPM's hosts now and returns its new status. */
  checkMepm(name: string): Promise<Mepm>;
  /** Refused (409) while application instances are placed on its hosts. */
  deleteMepm(name: string): Promise<void>;
}

/** @public */
export const mecApiRef = createApiRef<MecApi>({ id: 'plugin.mec.api' });
