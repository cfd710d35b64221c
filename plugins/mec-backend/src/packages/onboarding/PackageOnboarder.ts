import { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { createHash, randomUUID } from 'node:crypto';
import { AppPackageStore } from '../../database/AppPackageStore';
import { AppPackageEvents } from '../AppPackageEvents';
import {
  PackageContentError,
  readHelmChartArchive,
  readMecPackageArchive,
  verifyChecksum,
} from '../content';
import { AppDDerivationEntry, AppPackage, OnboardingFailure } from '../model';
import { buildMecPackageZip } from './buildMecPackageZip';

/** Fetches a package from its appPkgPath (http(s) or oci://). */
export type PackageFetcher = (
  appPkgPath: string,
) => Promise<{ archive: Buffer; mediaType: string }>;

/** The lease ran out and another replica took the package over. */
class LeaseLostError extends Error {
  name = 'LeaseLostError';
}

const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Onboards packages: UPLOADING (fetch from appPkgPath unless uploaded) →
 * PROCESSING (checksum, archive, AppD) → ONBOARDED and ENABLED, or back to
 * CREATED with onboardingFailureDetails. Every step is persisted; a lease in
 * the database makes one backend replica do the work and lets another resume
 * it after a crash.
 */
export class PackageOnboarder {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: AppPackageStore,
    private readonly events: AppPackageEvents,
    private readonly options: {
      fetchPackage: PackageFetcher;
      logger: LoggerService;
      /** How long one attempt may hold a package before others may take over. */
      leaseMs?: number;
      /** Called after a package's onboarding was committed (e.g. to wake notification delivery). */
      onCommitted?: () => void;
    },
  ) {}

  /** Starts onboarding a package in the background of this process. */
  trigger(appPkgId: string): void {
    const work = this.onboard(appPkgId)
      .catch(error =>
        this.options.logger.error(`Onboarding of ${appPkgId} failed`, error),
      )
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /** Resumes every onboarding that nobody holds (after a restart, or a crashed replica). */
  async resumeUnclaimed(): Promise<void> {
    const ids = await this.store.listUnclaimedOnboardings();
    for (const id of ids) {
      await this.onboard(id);
    }
  }

  /** Waits for the onboardings this process runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) {
      await Promise.all([...this.running]);
    }
  }

  /** Onboards one package, if this process can take its lease. */
  async onboard(appPkgId: string): Promise<void> {
    const claim = randomUUID();
    if (!(await this.store.claimOnboarding(appPkgId, claim, this.leaseEnd()))) {
      return;
    }
    const record = await this.store.getAppPackage(appPkgId);
    if (!record) {
      return;
    }
    try {
      await this.process(record, claim);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.options.logger.info(
          `Onboarding of ${appPkgId} was taken over by another backend replica`,
        );
        return;
      }
      await this.fail(record, claim, error);
    }
    this.options.onCommitted?.();
  }

  private leaseEnd(): Date {
    return new Date(Date.now() + (this.options.leaseMs ?? 5 * 60_000));
  }

  /** Confirms the lease inside a write's transaction, or gives up. */
  private async hold(
    store: AppPackageStore,
    appPkgId: string,
    claim: string,
  ): Promise<void> {
    if (!(await store.holdsOnboarding(appPkgId, claim, this.leaseEnd()))) {
      throw new LeaseLostError();
    }
  }

  private async process(record: AppPackage, claim: string): Promise<void> {
    let content = await this.store.getContent(record.id);
    if (record.onboardingState === 'UPLOADING') {
      if (!content) {
        if (!record.appPkgPath) {
          throw new PackageContentError({
            kind: 'structure',
            title: 'No package content',
            detail:
              'The package has neither uploaded content nor an appPkgPath',
          });
        }
        const fetched = await this.options.fetchPackage(record.appPkgPath);
        await this.store.transaction(async trx => {
          const store = this.store.withTransaction(trx);
          await this.hold(store, record.id, claim);
          await store.putContent({
            appPkgId: record.id,
            packageArchive: fetched.archive,
            packageMediaType: fetched.mediaType,
          });
        });
        content = await this.store.getContent(record.id);
      }
      await this.store.transaction(async trx => {
        const store = this.store.withTransaction(trx);
        await this.hold(store, record.id, claim);
        await store.updateAppPackage(
          record.id,
          { onboardingState: 'PROCESSING' },
          { onboardingState: 'UPLOADING' },
        );
      });
    }
    const archive = content!.packageArchive;
    verifyChecksum(archive, record.checksum);

    let appd: Record<string, unknown>;
    let appdText: string;
    let appdFileName: string;
    let chartArchive: Buffer;
    let chartName: string;
    let chartVersion: string;
    let derivation: AppDDerivationEntry[] | undefined;
    let packageArchive: Buffer;
    if (isZip(archive)) {
      const pkg = await readMecPackageArchive(archive);
      appd = pkg.appd as unknown as Record<string, unknown>;
      appdText = pkg.appdFile.text;
      appdFileName = pkg.appdFile.path.split('/').pop()!;
      chartArchive = pkg.chart.archive;
      chartName = pkg.chart.name;
      chartVersion = pkg.chart.version;
      packageArchive = archive;
    } else if (isGzip(archive)) {
      const chart = await readHelmChartArchive(archive);
      appd = chart.appd as unknown as Record<string, unknown>;
      appdText = chart.appdFile.text;
      appdFileName = chart.appdFile.path.split('/').pop()!;
      chartArchive = archive;
      chartName = chart.chart.name;
      chartVersion = chart.chart.version;
      derivation = chart.derived ? chart.derivation : undefined;
      packageArchive = buildMecPackageZip({
        appdFileName,
        appdText,
        chartFileName: `${chartName}-${chartVersion}.tgz`,
        chartArchive,
      });
    } else {
      throw new PackageContentError({
        kind: 'archive',
        title: 'Unknown package format',
        detail:
          'The package is neither a ZIP (MEC application package) nor a gzip-compressed Helm chart archive',
      });
    }

    const appDId = String(appd.appDId);
    await this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      await this.hold(store, record.id, claim);
      const existing = await store.getOnboardedAppPackage(appDId);
      if (existing && existing.id !== record.id) {
        throw new PackageContentError({
          kind: 'appd',
          title: 'Duplicate appDId',
          detail: `An onboarded package (${existing.id}) already has appDId '${appDId}'; delete it first or onboard a new AppD version`,
        });
      }
      await store.putContent({
        appPkgId: record.id,
        packageArchive,
        packageMediaType: 'application/zip',
        appdText,
        appdFileName,
        chartArchive,
      });
      const mecVersion = appd.mecVersion;
      const ok = await store.updateAppPackage(
        record.id,
        {
          onboardingState: 'ONBOARDED',
          operationalState: 'ENABLED',
          appDId,
          appName: String(appd.appName),
          appProvider: String(appd.appProvider ?? record.appProvider ?? ''),
          appSoftwareVersion: String(appd.appSoftVersion),
          appDVersion: String(appd.appDVersion),
          mecInfo: (Array.isArray(mecVersion)
            ? mecVersion.map(String)
            : String(mecVersion ?? '').split(',')
          )
            .map(v => v.trim())
            .filter(Boolean),
          appd,
          appdDerivation: derivation,
          chartName,
          chartVersion,
          chartDigest: createHash('sha256').update(chartArchive).digest('hex'),
          onboardingFailure: null,
          onboardingClaimedUntil: null,
        },
        { onboardingState: 'PROCESSING' },
      );
      if (!ok) {
        throw new Error('the package left PROCESSING while it was onboarded');
      }
      await this.events.publish(
        trx,
        'AppPackageOnBoarded',
        (await store.getAppPackage(record.id))!,
      );
    });
    this.options.logger.info(
      `Onboarded package ${record.id} (appDId ${appDId}, chart ${chartName}-${chartVersion})`,
    );
  }

  /** Back to CREATED with the reason, and nothing half-onboarded left behind. */
  private async fail(
    record: AppPackage,
    claim: string,
    error: unknown,
  ): Promise<void> {
    const failure: OnboardingFailure =
      error instanceof PackageContentError
        ? { cause: 'content', title: error.title, detail: error.detail }
        : {
            cause: 'unobtainable',
            title: 'Package could not be obtained',
            detail: isError(error) ? error.message : String(error),
          };
    this.options.logger.warn(
      `Onboarding of package ${record.id} failed: ${failure.title}: ${failure.detail}`,
    );
    await this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      if (!(await store.holdsOnboarding(record.id, claim, this.leaseEnd()))) {
        return; // another replica owns the package now
      }
      await store.deleteContent(record.id);
      await store.updateAppPackage(record.id, {
        onboardingState: 'CREATED',
        operationalState: 'DISABLED',
        appDId: undefined,
        onboardingFailure: failure,
        onboardingClaimedUntil: null,
      });
    });
  }
}
