import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { isError, stringifyError } from '@backstage/errors';
import { Knex } from 'knex';
import { AppPackageStore } from '../../database/AppPackageStore';
import { LeasedJob, LeasedJobRunner, LeaseLostError } from '../../jobs';
import { OutboundUrlPolicy } from '../../outbound';
import { AppPackageEvents } from '../AppPackageEvents';
import {
  computeChecksumInChunks,
  PackageContentError,
  verifyChecksum,
} from '../content';
import { AppPackage, OnboardingFailure } from '../model';
import { createPackageFetcher } from './createPackageFetcher';
import { PackageReaderPool } from './PackageReaderPool';
import { appdFileName, PackageContent } from './readPackageContent';

/**
 * Fetches a package from its appPkgPath (http(s) or oci://); `signal` is
 * aborted when the onboarding must stop (lease lost, backend stopping).
 */
export type PackageFetcher = (
  appPkgPath: string,
  options?: { signal?: AbortSignal },
) => Promise<{ archive: Buffer; mediaType: string }>;

/** Options of {@link PackageOnboarder}. */
export interface PackageOnboarderOptions {
  fetchPackage: PackageFetcher;
  logger: LoggerService;
  /**
   * How long a replica holds an onboarding without renewing it before
   * another may take it over; default 5 minutes.
   */
  leaseMs?: number;
  /**
   * Onboardings run at once by this replica, each reading its archive in
   * its own worker thread; default 2.
   */
  concurrency?: number;
  /**
   * Reads and validates an archive; by default in a worker thread of a
   * pool as large as `concurrency`.
   */
  readPackage?: (
    archive: Buffer,
    options: { signal: AbortSignal },
  ) => Promise<PackageContent>;
  /**
   * The largest package archive, uploaded or fetched, in bytes; default
   * 50 MiB. Enforced by `fetchPackage` and by the upload endpoint.
   */
  maxPackageBytes?: number;
  /** Called after a package's onboarding was committed (e.g. to wake notification delivery). */
  onCommitted?: () => void;
}

const DEFAULTS = {
  leaseMs: 5 * 60_000,
  // Each onboarding holds a whole archive in memory and unpacks it.
  concurrency: 2,
  maxPackageBytes: 50 * 1024 * 1024,
  fetchTimeoutMs: 60_000,
};

/**
 * Onboards packages: UPLOADING (fetch from appPkgPath unless uploaded) →
 * PROCESSING (checksum, archive, AppD) → ONBOARDED and ENABLED, or back to
 * CREATED with onboardingFailureDetails. Every step is persisted. Each
 * onboarding is a leased job: one backend replica does the work, another
 * resumes it after a crash, and a replica whose lease was taken over
 * writes nothing.
 */
export class PackageOnboarder {
  /**
   * Reads `mec.packages` (maxBytes, fetchTimeoutSeconds,
   * ociPlainHttpRegistries, onboardingLeaseSeconds, onboardingConcurrency)
   * and fetches packages through the outbound policy.
   */
  static fromConfig(
    config: Config,
    deps: {
      store: AppPackageStore;
      events: AppPackageEvents;
      outboundPolicy: OutboundUrlPolicy;
      logger: LoggerService;
      onCommitted?: () => void;
    },
  ): PackageOnboarder {
    const packages = config.getOptionalConfig('mec.packages');
    const seconds = (key: string) => {
      const value = packages?.getOptionalNumber(key);
      return value === undefined ? undefined : value * 1000;
    };
    const maxPackageBytes =
      packages?.getOptionalNumber('maxBytes') ?? DEFAULTS.maxPackageBytes;
    return new PackageOnboarder(deps.store, deps.events, {
      logger: deps.logger,
      onCommitted: deps.onCommitted,
      leaseMs: seconds('onboardingLeaseSeconds'),
      concurrency: packages?.getOptionalNumber('onboardingConcurrency'),
      maxPackageBytes,
      fetchPackage: createPackageFetcher({
        policy: deps.outboundPolicy,
        maxBytes: maxPackageBytes,
        timeoutMs: seconds('fetchTimeoutSeconds') ?? DEFAULTS.fetchTimeoutMs,
        ociPlainHttpRegistries:
          packages?.getOptionalStringArray('ociPlainHttpRegistries') ?? [],
      }),
    });
  }

  /** The largest package archive, uploaded or fetched, in bytes. */
  readonly maxPackageBytes: number;
  private readonly runner: LeasedJobRunner;
  private readonly readers?: PackageReaderPool;
  private readonly readPackage: NonNullable<
    PackageOnboarderOptions['readPackage']
  >;

  constructor(
    private readonly store: AppPackageStore,
    private readonly events: AppPackageEvents,
    private readonly options: PackageOnboarderOptions,
  ) {
    this.maxPackageBytes = options.maxPackageBytes ?? DEFAULTS.maxPackageBytes;
    const concurrency = options.concurrency ?? DEFAULTS.concurrency;
    if (options.readPackage) {
      this.readPackage = options.readPackage;
    } else {
      const readers = new PackageReaderPool({ size: concurrency });
      this.readers = readers;
      this.readPackage = (archive, o) => readers.read(archive, o);
    }
    this.runner = LeasedJobRunner.create({
      jobName: 'Onboarding of package',
      table: store.onboardingLeases,
      logger: options.logger,
      handler: job => this.onboardClaimed(job),
      // Renewed while a long fetch or unpacking runs.
      leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
      concurrency,
    });
  }

  /** Starts onboarding a package in the background, once this replica has a free slot. */
  trigger(appPkgId: string): void {
    this.runner.trigger(appPkgId);
  }

  /**
   * Resumes onboardings that nobody holds (after a restart, or a crashed
   * replica), as many as this replica has free slots for, and waits for them.
   */
  async resumeUnclaimed(): Promise<void> {
    const started = await this.runner.claimDue();
    await Promise.all(started.map(job => job.done));
  }

  /** Waits for the onboardings this process runs or is about to run (tests). */
  async idle(): Promise<void> {
    await this.runner.idle();
  }

  /**
   * Stops onboarding: the running onboardings stop at their next step and
   * their leases are released, so that another replica resumes them at
   * once. For shutdown.
   */
  async stop(): Promise<void> {
    await this.runner.stop();
    await this.readers?.close();
  }

  /** Onboards one package, if it is being onboarded and nobody else holds it. */
  async onboard(appPkgId: string): Promise<void> {
    await this.runner.run(appPkgId);
  }

  private async onboardClaimed(job: LeasedJob<unknown>): Promise<void> {
    const record = await this.store.getAppPackage(job.id);
    if (!record) {
      return;
    }
    try {
      await this.process(record, job);
    } catch (error) {
      if (error instanceof LeaseLostError || job.signal.aborted) {
        // Taken over or stopping: nothing is written; the next holder resumes.
        this.options.logger.info(
          `Onboarding of ${job.id} stopped here: ${stringifyError(
            job.signal.reason ?? error,
          )}`,
        );
        return;
      }
      await this.fail(record, job, error);
    }
    this.options.onCommitted?.();
  }

  /**
   * Confirms the lease inside a write's transaction (throws
   * LeaseLostError when it is gone), and stops at this step when the
   * runner is stopping.
   */
  private async hold(
    job: LeasedJob<unknown>,
    trx: Knex.Transaction,
  ): Promise<void> {
    job.signal.throwIfAborted();
    await job.hold(trx);
  }

  private async process(
    record: AppPackage,
    job: LeasedJob<unknown>,
  ): Promise<void> {
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
        const fetched = await this.options.fetchPackage(record.appPkgPath, {
          signal: job.signal,
        });
        await this.store.transaction(async trx => {
          const store = this.store.withTransaction(trx);
          await this.hold(job, trx);
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
        await this.hold(job, trx);
        await store.updateAppPackage(
          record.id,
          { onboardingState: 'PROCESSING' },
          { onboardingState: 'UPLOADING' },
        );
      });
    }
    const archive = content!.packageArchive;
    await verifyChecksum(archive, record.checksum);
    const read = await this.readPackage(archive, { signal: job.signal });
    const appd = read.appd as unknown as Record<string, unknown>;
    const chartArchive = read.chart.archive;
    const chartName = read.chart.name;
    const chartVersion = read.chart.version;
    // A chart may be tens of MiB: hashed without holding the event loop.
    const chartDigest = await computeChecksumInChunks(chartArchive, 'SHA-256');

    const appDId = String(appd.appDId);
    await this.store.transaction(async trx => {
      const store = this.store.withTransaction(trx);
      await this.hold(job, trx);
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
        packageArchive: read.builtPackageArchive ?? archive,
        packageMediaType: 'application/zip',
        appdText: read.appdFile.text,
        appdFileName: appdFileName(read.appdFile),
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
          appdDerivation: read.derivation,
          chartName,
          chartVersion,
          chartDigest,
          onboardingFailure: null,
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
    job: LeasedJob<unknown>,
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
      await this.hold(job, trx);
      const store = this.store.withTransaction(trx);
      await store.deleteContent(record.id);
      await store.updateAppPackage(record.id, {
        onboardingState: 'CREATED',
        operationalState: 'DISABLED',
        appDId: undefined,
        onboardingFailure: failure,
      });
    });
  }
}
