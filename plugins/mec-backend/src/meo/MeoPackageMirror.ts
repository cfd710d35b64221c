import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { AppPackageStore } from '../database/AppPackageStore';
import {
  MecApiClient,
  MecApiError,
  MecApiUnreachableError,
} from '../outbound/MecApiClient';
import { AppPackageService } from '../packages/AppPackageService';
import { PackageContentError, verifyChecksum } from '../packages/content';
import {
  AppPackage,
  AppPackageContent,
  AppPackageRef,
  Checksum,
} from '../packages/model';

const APP_PKGM = 'app_pkgm/v1/onboarded_app_packages';

/** The MEO's AppPkgInfo, with the checksum its content is verified against. */
type MeoPackage = AppPkgInfo & { checksum: Checksum };

/** Options of {@link MeoPackageMirror}. */
export interface MeoPackageMirrorOptions {
  /** The MEPM's own package service: its onboarding from bytes fills the cache. */
  local: AppPackageService;
  /** The MEPM's package store (the cache). */
  store: AppPackageStore;
  /** The MEO's APIs. */
  meo: MecApiClient;
  logger: LoggerService;
  /** How long the local onboarding of a fetched package may take; default 5 minutes. */
  onboardingTimeoutMs?: number;
}

const sameChecksum = (a: Checksum, b: Checksum) =>
  a.algorithm.replace(/[-_\s]/g, '').toUpperCase() ===
    b.algorithm.replace(/[-_\s]/g, '').toUpperCase() &&
  a.hash.trim().toLowerCase() === b.hash.trim().toLowerCase();

/**
 * A MEPM's packages are its MEO's (Mm3 app_pkgm): what lifecycle management
 * reads of a package by appDId is the MEO's AppPkgInfo
 * (`onboarded_app_packages/{appDId}`), and its content
 * (`…/package_content`) is fetched, verified against the MEO's checksum and
 * onboarded into the local store under the MEO's appPkgId, as a cache. The
 * cache is reused while the MEO's checksum is unchanged and refetched when
 * it changed; the MEO's operationalState (ENABLED is required to
 * instantiate) is copied on every read. While the MEO cannot be reached, a
 * cached package still serves (OPERATE and TERMINATE go on); one never
 * fetched cannot be used. A MEPM manages no packages: the changing
 * operations are refused.
 */
export class MeoPackageMirror extends AppPackageService {
  private readonly cache: AppPackageStore;
  private readonly inFlight = new Map<string, Promise<AppPackage>>();

  constructor(private readonly mirror: MeoPackageMirrorOptions) {
    super(
      mirror.store,
      { publish: async () => {} },
      {
        checkPackagePath: async () => {
          throw new NotAllowedError(
            "A MEPM manages no packages; they are its MEO's",
          );
        },
        onboarding: { trigger: () => {} },
      },
    );
    this.cache = mirror.store;
  }

  /**
   * The MEO's package, cached here: by appDId it is fetched (or refetched)
   * as needed; by appPkgId the cached package, with the MEO's current
   * operationalState when the MEO can tell.
   */
  override async getAppPackage(ref: AppPackageRef): Promise<AppPackage> {
    if ('appDId' in ref) {
      return this.byAppDId(ref.appDId);
    }
    const cached = await this.cache.getAppPackage(ref.appPkgId);
    if (!cached) {
      throw new NotFoundError(
        `No application package with appPkgId '${ref.appPkgId}' from the MEO is cached here`,
      );
    }
    if (!cached.appDId) return cached;
    let info: AppPkgInfo | undefined;
    try {
      info = await this.readInfo(cached.appDId);
    } catch (error) {
      if (error instanceof MecApiUnreachableError) return cached;
      throw error;
    }
    // Gone from the MEO, or its appDId now names another package: this copy
    // serves its instances but no new instantiation.
    const operationalState =
      info && info.id === cached.id ? info.operationalState : 'DISABLED';
    return this.withOperationalState(cached, operationalState);
  }

  /** The content of a cached package; the MEO is not asked. */
  override async getOnboardedContent(
    ref: AppPackageRef,
  ): Promise<{ record: AppPackage; content: AppPackageContent }> {
    const record =
      'appPkgId' in ref
        ? await this.cache.getAppPackage(ref.appPkgId)
        : await this.cache.getOnboardedAppPackage(ref.appDId);
    const content = record && (await this.cache.getContent(record.id));
    if (!record || record.onboardingState !== 'ONBOARDED' || !content) {
      throw new NotFoundError(
        `The package ${JSON.stringify(ref)} from the MEO is not cached here`,
      );
    }
    return { record, content };
  }

  override async createAppPackage(): Promise<AppPackage> {
    throw refused();
  }

  override async uploadPackageContent(): Promise<void> {
    throw refused();
  }

  override async changeOperationalState(): Promise<AppPackage> {
    throw refused();
  }

  override async deleteAppPackage(): Promise<void> {
    throw refused();
  }

  private async byAppDId(appDId: string): Promise<AppPackage> {
    // One fetch per appDId at a time in this process.
    const running = this.inFlight.get(appDId);
    if (running) return running;
    const fetching = this.refresh(appDId).finally(() =>
      this.inFlight.delete(appDId),
    );
    this.inFlight.set(appDId, fetching);
    return fetching;
  }

  private async refresh(appDId: string): Promise<AppPackage> {
    const cached = await this.cache.getOnboardedAppPackage(appDId);
    let info: AppPkgInfo | undefined;
    try {
      info = await this.readInfo(appDId);
    } catch (error) {
      if (error instanceof MecApiUnreachableError && cached) {
        this.mirror.logger.warn(
          `Using the cached package of appDId '${appDId}': ${error.message}`,
        );
        return cached;
      }
      if (error instanceof MecApiUnreachableError) {
        throw new ServiceUnavailableError(
          `The package of appDId '${appDId}' is not cached here and its MEO cannot be reached: ${error.message}`,
        );
      }
      throw error;
    }
    if (!info || info.onboardingState !== 'ONBOARDED') {
      throw new NotFoundError(
        `The MEO has no onboarded application package with appDId '${appDId}'`,
      );
    }
    if (!info.checksum) {
      throw new Error(
        `The MEO's package of appDId '${appDId}' has no checksum to verify its content against`,
      );
    }
    const verifiable = info as MeoPackage;
    if (
      cached &&
      cached.id === info.id &&
      sameChecksum(cached.checksum, verifiable.checksum)
    ) {
      return this.withOperationalState(cached, info.operationalState);
    }
    // A stale copy (another package, or changed content) goes first; the
    // local onboarding refuses a second package of the same appDId.
    for (const stale of [cached, await this.cache.getAppPackage(info.id)]) {
      if (!stale) continue;
      if (stale.usageState === 'IN_USE') {
        throw new ConflictError(
          `The MEO's package of appDId '${appDId}' changed (now ${info.id}, ${verifiable.checksum.algorithm} ${verifiable.checksum.hash}) while instances here still use the cached ${stale.id}; terminate and delete them first`,
        );
      }
      await this.cache.deleteAppPackage(stale.id, {});
    }
    const fetched = await this.fetch(verifiable);
    return this.withOperationalState(fetched, info.operationalState);
  }

  /** The MEO's AppPkgInfo of an appDId; undefined when it has none. */
  private async readInfo(appDId: string): Promise<AppPkgInfo | undefined> {
    try {
      const { body } = await this.mirror.meo.request<AppPkgInfo>(
        'GET',
        `${APP_PKGM}/${encodeURIComponent(appDId)}`,
      );
      return body;
    } catch (error) {
      if (error instanceof MecApiError && error.problem.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** Fetches, verifies and onboards the MEO's package under its appPkgId. */
  private async fetch(info: MeoPackage): Promise<AppPackage> {
    const { meo, logger } = this.mirror;
    const { body: archive } = await meo.request<Buffer>(
      'GET',
      `${APP_PKGM}/${encodeURIComponent(info.appDId)}/package_content`,
      { accept: 'application/zip', binary: true },
    );
    try {
      await verifyChecksum(archive, info.checksum);
    } catch (error) {
      if (error instanceof PackageContentError) {
        throw new Error(
          `The package of appDId '${info.appDId}' from the MEO failed verification: ${error.title}. ${error.detail}`,
        );
      }
      throw error;
    }
    const now = new Date();
    let inserted = true;
    await this.cache
      .insertAppPackage({
        id: info.id,
        appPkgName: info.appName,
        appPkgVersion: info.appSoftwareVersion,
        ...(info.appProvider ? { appProvider: info.appProvider } : {}),
        checksum: {
          algorithm: info.checksum.algorithm,
          hash: info.checksum.hash,
        },
        onboardingState: 'CREATED',
        operationalState: 'DISABLED',
        usageState: 'NOT_IN_USE',
        mecInfo: [],
        createdAt: now,
        updatedAt: now,
      })
      .catch(async error => {
        // Another replica is caching it at the same moment: wait for its copy.
        if (!(await this.cache.getAppPackage(info.id))) throw error;
        inserted = false;
      });
    if (inserted) {
      // The same onboarding as an upload: the archive is read, its AppD
      // validated and its chart kept, all checked again here.
      await this.mirror.local.uploadPackageContent(
        { appPkgId: info.id },
        archive,
        'application/zip',
      );
    }
    const onboarded = await this.onboarded(info);
    logger.info(
      `Cached the MEO's package ${info.id} (appDId ${info.appDId}, ${archive.length} bytes)`,
    );
    return onboarded;
  }

  /** Waits for the local onboarding of a fetched package. */
  private async onboarded(info: AppPkgInfo): Promise<AppPackage> {
    const deadline =
      Date.now() + (this.mirror.onboardingTimeoutMs ?? 5 * 60_000);
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const record = await this.cache.getAppPackage(info.id);
      if (record?.onboardingState === 'ONBOARDED') return record;
      if (!record || record.onboardingFailure) {
        const failure = record?.onboardingFailure;
        await this.cache.deleteAppPackage(info.id, {});
        throw new Error(
          `The package of appDId '${
            info.appDId
          }' from the MEO could not be onboarded here${
            failure ? `: ${failure.title}: ${failure.detail}` : ''
          }`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The package of appDId '${info.appDId}' from the MEO was not onboarded here in time (still ${record.onboardingState})`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, delay));
    }
  }

  private async withOperationalState(
    record: AppPackage,
    operationalState: AppPackage['operationalState'],
  ): Promise<AppPackage> {
    if (record.operationalState === operationalState) return record;
    await this.cache.updateAppPackage(record.id, { operationalState });
    return { ...record, operationalState };
  }
}

function refused() {
  return new NotAllowedError(
    "A MEPM manages no application packages; they are its MEO's (Mm1 app_pkgm)",
  );
}
