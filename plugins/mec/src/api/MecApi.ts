import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AppInstanceInfo,
  AppLcmOpOcc,
  AppPkgInfo,
  CreateAppInstanceRequest,
  CreateAppPkg,
  EdgeDriverInfo,
  EdgeHost,
  InstantiateAppRequest,
  OperateAppRequest,
  OperationalState,
  PlacementPreview,
  RegisterEdgeHost,
  TerminateAppRequest,
} from '@helmmec/plugin-mec-common';

/**
 * The portal's view of the mec backend's ETSI APIs and its edge host
 * registry. Every call rejects with a {@link MecApiError} when the backend
 * refuses.
 * @public
 */
export interface MecApi {
  listAppPackages(): Promise<AppPkgInfo[]>;
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

  listAppInstances(): Promise<AppInstanceInfo[]>;
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
  /** All op occurrences, with their links (to tell their instance). */
  listOpOccs(): Promise<AppLcmOpOcc[]>;
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
   * Where the MEO would place an instance (or a package's application) now,
   * and why the other hosts do not fit; grants nothing.
   */
  previewPlacement(
    subject: { appInstanceId: string } | { appPkgId: string },
  ): Promise<PlacementPreview>;
}

/** @public */
export const mecApiRef = createApiRef<MecApi>({ id: 'plugin.mec.api' });
