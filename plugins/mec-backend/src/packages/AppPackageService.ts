import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import { AppPackageStore } from '../database/AppPackageStore';
import { AppPackageEvents } from './AppPackageEvents';
import {
  AppPackage,
  AppPackageContent,
  AppPackageRef,
  ChangeOperationalStateCommand,
  Checksum,
  CreateAppPackageCommand,
  OperationalState,
} from './model';

/** Starts the onboarding of a package whose content is staged or fetchable. */
export interface OnboardingTrigger {
  trigger(appPkgId: string): void;
}

/**
 * The MEO's application package management (ETSI GS MEC 010-2 clause 5.2 and
 * Annex A): creation, upload, enable/disable, deletion and usage, with the
 * state machine enforced here and persisted before any answer is given.
 */
export class AppPackageService {
  constructor(
    private readonly store: AppPackageStore,
    private readonly events: AppPackageEvents,
    private readonly options: {
      /** Checks an appPkgPath against the outbound allow rules; throws InputError. */
      checkPackagePath: (path: string) => Promise<void>;
      /** Onboards packages once their content is uploaded or fetchable. */
      onboarding: OnboardingTrigger;
    },
  ) {}

  /**
   * Lists packages; `narrowBy` conditions are applied in the database where
   * possible, so the result may hold packages that do not match them (the
   * caller still applies its full filter).
   */
  /** Packages, oldest first; a page of them, narrowed, when asked. */
  async listAppPackages(
    options?: Parameters<AppPackageStore['listAppPackages']>[0],
  ): Promise<AppPackage[]> {
    return this.store.listAppPackages(options);
  }

  async getAppPackage(ref: AppPackageRef): Promise<AppPackage> {
    const record =
      'appPkgId' in ref
        ? await this.store.getAppPackage(ref.appPkgId)
        : await this.store.getOnboardedAppPackage(ref.appDId);
    if (!record) {
      throw new NotFoundError(
        'appPkgId' in ref
          ? `No application package with appPkgId '${ref.appPkgId}'`
          : `No onboarded application package with appDId '${ref.appDId}'`,
      );
    }
    return record;
  }

  /**
   * Creates the package resource in CREATED. With an appPkgPath the MEO
   * fetches the package at once (UPLOADING); without one it waits for
   * PUT package_content.
   */
  async createAppPackage(
    request: CreateAppPackageCommand,
  ): Promise<AppPackage> {
    AppPackageService.parseChecksum(request.checksum);
    if (request.appPkgPath) {
      await this.options.checkPackagePath(request.appPkgPath);
    }
    const now = new Date();
    const record: AppPackage = {
      id: randomUUID(),
      appPkgName: request.appPkgName,
      appPkgVersion: request.appPkgVersion,
      appPkgPath: request.appPkgPath,
      appProvider: request.appProvider,
      checksum: request.checksum,
      onboardingState: request.appPkgPath ? 'UPLOADING' : 'CREATED',
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      mecInfo: [],
      userDefinedData: request.userDefinedData,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insertAppPackage(record);
    if (request.appPkgPath) {
      this.options.onboarding.trigger(record.id);
    }
    return record;
  }

  /**
   * Accepts an uploaded package archive (PUT package_content): only in
   * CREATED (409 otherwise). The archive is stored and the package moves to
   * UPLOADING in one transaction before the 202 goes out.
   */
  async uploadPackageContent(
    ref: AppPackageRef,
    archive: Buffer,
    mediaType: string,
  ): Promise<void> {
    const record = await this.getAppPackage(ref);
    if (record.onboardingState !== 'CREATED') {
      throw new ConflictError(
        `The package content can only be uploaded while onboardingState is CREATED; it is ${record.onboardingState}`,
      );
    }
    const moved = await this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      const ok = await store.updateAppPackage(
        record.id,
        { onboardingState: 'UPLOADING', onboardingFailure: null },
        { onboardingState: 'CREATED' },
      );
      if (ok) {
        await store.putContent({
          appPkgId: record.id,
          packageArchive: archive,
          packageMediaType: mediaType,
        });
      }
      return ok;
    });
    if (!moved) {
      throw new ConflictError(
        'The package changed state while the content was uploaded; it is no longer CREATED',
      );
    }
    this.options.onboarding.trigger(record.id);
  }

  /** PATCH: enable or disable an onboarded package (409 for a wrong state). */
  async changeOperationalState(
    ref: AppPackageRef,
    { operationalState }: ChangeOperationalStateCommand,
  ): Promise<AppPackage> {
    const record = await this.getAppPackage(ref);
    if (record.onboardingState !== 'ONBOARDED') {
      throw new ConflictError(
        `The package is not onboarded yet (onboardingState ${record.onboardingState})`,
      );
    }
    if (record.operationalState === operationalState) {
      throw new ConflictError(`The package is already ${operationalState}`);
    }
    const from: OperationalState =
      operationalState === 'ENABLED' ? 'DISABLED' : 'ENABLED';
    return this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      const ok = await store.updateAppPackage(
        record.id,
        { operationalState },
        { onboardingState: 'ONBOARDED', operationalState: from },
      );
      if (!ok) {
        throw new ConflictError(
          `The package is no longer ${from}; it changed concurrently`,
        );
      }
      const updated = (await store.getAppPackage(record.id))!;
      await this.events.publish(
        trx,
        operationalState === 'ENABLED'
          ? 'AppPackageEnabled'
          : 'AppPackageDisabled',
        updated,
      );
      return updated;
    });
  }

  /**
   * DELETE: allowed while onboarding has not completed, or for an onboarded
   * package that is DISABLED and NOT_IN_USE; otherwise 403, as V3.1.1 says
   * ("not allowed given the current status").
   */
  async deleteAppPackage(ref: AppPackageRef): Promise<void> {
    const record = await this.getAppPackage(ref);
    const deleted = await this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      if (record.onboardingState === 'ONBOARDED') {
        if (
          record.operationalState !== 'DISABLED' ||
          record.usageState !== 'NOT_IN_USE'
        ) {
          throw new NotAllowedError(
            `An onboarded package can only be deleted when it is DISABLED and NOT_IN_USE; it is ${record.operationalState} and ${record.usageState}`,
          );
        }
        const ok = await store.deleteAppPackage(record.id, {
          onboardingState: 'ONBOARDED',
          operationalState: 'DISABLED',
          usageState: 'NOT_IN_USE',
        });
        if (ok) {
          await this.events.publish(trx, 'AppPackageDeleted', record);
        }
        return ok;
      }
      return store.deleteAppPackage(record.id, {
        onboardingState: record.onboardingState,
      });
    });
    if (!deleted) {
      throw new NotAllowedError(
        'The package changed state while it was being deleted; read it and try again',
      );
    }
  }

  /**
   * The usage hook for application lifecycle management: a package is IN_USE
   * while application instances of it exist. Only an ENABLED, ONBOARDED
   * package can be taken into use.
   */
  async markUsage(appPkgId: string, inUse: boolean): Promise<void> {
    const record = await this.getAppPackage({ appPkgId });
    if (inUse) {
      if (
        record.onboardingState !== 'ONBOARDED' ||
        record.operationalState !== 'ENABLED'
      ) {
        throw new ConflictError(
          `Package ${appPkgId} cannot be used: it is ${record.onboardingState} and ${record.operationalState}`,
        );
      }
      if (record.usageState === 'IN_USE') return;
    } else if (record.usageState === 'NOT_IN_USE') {
      return;
    }
    await this.store.updateAppPackage(appPkgId, {
      usageState: inUse ? 'IN_USE' : 'NOT_IN_USE',
    });
  }

  /** The onboarded content of a package: the AppD file and archives. */
  async getOnboardedContent(
    ref: AppPackageRef,
  ): Promise<{ record: AppPackage; content: AppPackageContent }> {
    const record = await this.getAppPackage(ref);
    if (record.onboardingState !== 'ONBOARDED') {
      throw new ConflictError(
        `The package is not onboarded (onboardingState ${record.onboardingState}); its content is not available`,
      );
    }
    const content = await this.store.getContent(record.id);
    if (!content) {
      throw new NotFoundError(`Package ${record.id} has no stored content`);
    }
    return { record, content };
  }

  /**
   * The charts of onboarded packages, for the MEO's Helm repository (edge
   * clusters pull charts from the MEO, as in the HelmMEC design).
   */
  async listCharts(): Promise<AppPackage[]> {
    return (await this.store.listAppPackages({ onboardedOnly: true })).filter(
      p => p.chartName && p.chartVersion && p.chartDigest,
    );
  }

  /** The chart archive of an onboarded package. */
  async getChartArchive(appPkgId: string): Promise<Buffer> {
    const { content } = await this.getOnboardedContent({ appPkgId });
    if (!content.chartArchive) {
      throw new NotFoundError(`Package ${appPkgId} has no Helm chart`);
    }
    return content.chartArchive;
  }

  /** Parses an ETSI Checksum, refusing algorithms the MEO cannot verify. */
  static parseChecksum(checksum: Checksum): Checksum {
    const algorithm = checksum.algorithm.toUpperCase().replace(/_/g, '-');
    if (!/^SHA-?(256|384|512)$/.test(algorithm)) {
      throw new InputError(
        `Unsupported checksum algorithm '${checksum.algorithm}'; use SHA-256, SHA-384 or SHA-512`,
      );
    }
    if (!/^[0-9a-fA-F]+$/.test(checksum.hash)) {
      throw new InputError('checksum.hash must be hexadecimal');
    }
    return checksum;
  }
}
