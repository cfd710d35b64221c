import { Knex } from 'knex';
import { DatabaseClock, LeaseTable } from '../jobs';
import { inFlightLeases } from './inFlightLeases';
import {
  CreationCursor,
  PageRequest,
  pageByCreation,
  whereConditions,
} from './listQueries';
import {
  AppPackage,
  AppPackageCondition,
  AppPackageContent,
  AppPackageField,
  AppPackageStates,
  AppPackageUpdate,
  OnboardingFailure,
  OnboardingState,
  OperationalState,
  UsageState,
} from '../packages/model';

type AppPackageRow = {
  id: string;
  app_pkg_name: string;
  app_pkg_version: string;
  app_pkg_path: string | null;
  app_d_id: string | null;
  app_name: string | null;
  app_provider: string | null;
  app_software_version: string | null;
  app_d_version: string | null;
  checksum_algorithm: string;
  checksum_hash: string;
  onboarding_state: OnboardingState;
  operational_state: OperationalState;
  usage_state: UsageState;
  mec_info: string;
  user_defined_data: string | null;
  onboarding_failure: string | null;
  onboarding_claimed_until: Date | string | null;
  onboarding_claim: string | null;
  appd: string | null;
  appd_derivation: string | null;
  chart_name: string | null;
  chart_version: string | null;
  chart_digest: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

type AppPackageContentRow = {
  app_pkg_id: string;
  package_archive: Buffer;
  package_media_type: string;
  appd_text: string | null;
  appd_file_name: string | null;
  chart_archive: Buffer | null;
};

/** A content row without its archives, with their sizes in bytes. */
type ContentHeadRow = Pick<
  AppPackageContentRow,
  'package_media_type' | 'appd_text' | 'appd_file_name'
> & {
  package_archive_bytes: number | string;
  chart_archive_bytes: number | string | null;
};

const TABLE = 'app_packages';

// Package fields as SQL expressions; a package is known by the name and
// version given at creation until its AppD has been read.
const FIELD_COLUMNS: Record<AppPackageField, string> = {
  id: 'id',
  appDId: 'app_d_id',
  appProvider: 'app_provider',
  appName: 'COALESCE(app_name, app_pkg_name)',
  appSoftwareVersion: 'COALESCE(app_software_version, app_pkg_version)',
  appDVersion: 'app_d_version',
  onboardingState: 'onboarding_state',
  operationalState: 'operational_state',
  usageState: 'usage_state',
};

const CONTENTS = 'app_package_contents';

/**
 * Archives are read from PostgreSQL in pieces of this size: decoding one
 * (hex text) takes a few milliseconds of the event loop.
 */
export const CONTENT_CHUNK_BYTES = 1024 * 1024;

const LIST_COLUMNS = [
  'id',
  'app_pkg_name',
  'app_pkg_version',
  'app_pkg_path',
  'app_d_id',
  'app_name',
  'app_provider',
  'app_software_version',
  'app_d_version',
  'checksum_algorithm',
  'checksum_hash',
  'onboarding_state',
  'operational_state',
  'usage_state',
  'mec_info',
  'user_defined_data',
  'onboarding_failure',
  'appd_derivation',
  'chart_name',
  'chart_version',
  'chart_digest',
  'created_at',
  'updated_at',
];

/**
 * Persistence of MEC application packages (tables `app_packages` and
 * `app_package_contents`). State changes are conditional updates, so that
 * concurrent requests and backend replicas cannot both win a transition.
 */
export class AppPackageStore {
  static create(options: { knex: Knex }): AppPackageStore {
    const onboardingLeases = inFlightLeases(
      options.knex,
      TABLE,
      {
        state: 'onboarding_state',
        token: 'onboarding_claim',
        until: 'onboarding_claimed_until',
      },
      ['UPLOADING', 'PROCESSING'],
    );
    return new AppPackageStore(options.knex, onboardingLeases);
  }

  private constructor(
    private readonly knex: Knex,
    /**
     * The leases of onboardings in flight (UPLOADING, PROCESSING), so that
     * one replica onboards each package and another resumes a crashed
     * one's work once its lease runs out.
     */
    readonly onboardingLeases: LeaseTable,
  ) {}

  /** Runs `fn` in one transaction; stores created from `trx` join it. */
  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /** A store bound to a transaction. */
  withTransaction(trx: Knex.Transaction): AppPackageStore {
    return new AppPackageStore(trx, this.onboardingLeases);
  }

  /**
   * Lists packages, oldest first, a page at a time when asked. `narrowBy`
   * conditions are applied in SQL where SQL can express them exactly; the
   * result may still contain packages that do not match (callers apply
   * their full filter), never fewer. The AppD is left out: lists do not
   * show it.
   */
  async listAppPackages(
    options: PageRequest<CreationCursor> & {
      onboardedOnly?: boolean;
      narrowBy?: AppPackageCondition[];
    } = {},
  ): Promise<AppPackage[]> {
    const query = this.knex<AppPackageRow>(TABLE).select(LIST_COLUMNS);
    if (options.onboardedOnly) {
      query.where({ onboarding_state: 'ONBOARDED' });
    }
    whereConditions(this.knex, query, options.narrowBy, FIELD_COLUMNS);
    pageByCreation(query, options);
    return (await query).map(row => toRecord(row as unknown as AppPackageRow));
  }

  async getAppPackage(id: string): Promise<AppPackage | undefined> {
    const row = await this.knex<AppPackageRow>(TABLE).where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  async getOnboardedAppPackage(
    appDId: string,
  ): Promise<AppPackage | undefined> {
    const row = await this.knex<AppPackageRow>(TABLE)
      .where({ app_d_id: appDId, onboarding_state: 'ONBOARDED' })
      .first();
    return row ? toRecord(row) : undefined;
  }

  async insertAppPackage(record: AppPackage): Promise<void> {
    await this.knex<AppPackageRow>(TABLE).insert(toRow(record));
  }

  /**
   * Updates a package if it is still in the expected state.
   *
   * @returns whether the package was updated
   */
  async updateAppPackage(
    id: string,
    update: AppPackageUpdate,
    expected?: AppPackageStates,
  ): Promise<boolean> {
    const query = this.inState(id, expected);
    const count = await query.update({
      ...toPartialRow(update),
      updated_at: update.updatedAt ?? new Date(),
    });
    return count > 0;
  }

  /**
   * Deletes a package if it is still in the expected state.
   *
   * @returns whether the package was deleted
   */
  async deleteAppPackage(
    id: string,
    expected: AppPackageStates,
  ): Promise<boolean> {
    const query = this.inState(id, expected);
    await this.knex<AppPackageContentRow>(CONTENTS)
      .whereIn('app_pkg_id', query.clone().select('id'))
      .delete();
    return (await query.delete()) > 0;
  }

  /** The package, if it is in the expected states. */
  private inState(id: string, expected: AppPackageStates = {}) {
    const query = this.knex<AppPackageRow>(TABLE).where({ id });
    if (expected.onboardingState) {
      query.andWhere({ onboarding_state: expected.onboardingState });
    }
    if (expected.operationalState) {
      query.andWhere({ operational_state: expected.operationalState });
    }
    if (expected.usageState) {
      query.andWhere({ usage_state: expected.usageState });
    }
    return query;
  }

  async putContent(content: AppPackageContent): Promise<void> {
    const row: AppPackageContentRow = {
      app_pkg_id: content.appPkgId,
      package_archive: content.packageArchive,
      package_media_type: content.packageMediaType,
      appd_text: content.appdText ?? null,
      appd_file_name: content.appdFileName ?? null,
      chart_archive: content.chartArchive ?? null,
    };
    await this.knex<AppPackageContentRow>(CONTENTS)
      .insert(row)
      .onConflict('app_pkg_id')
      .merge();
  }

  /**
   * A package's content. On PostgreSQL the archives are read in pieces of
   * {@link CONTENT_CHUNK_BYTES}, one query each: node-postgres receives a
   * bytea as hex text and decodes it on the event loop in one go, which for
   * an 8 MiB package held every request for 170 ms. On SQLite in one piece:
   * better-sqlite3 hands a blob over as it is, while SQLite loads the
   * whole blob for every substr() of it. Content changes only
   * while its package is onboarded (by the onboarding's leaseholder) and
   * when it is deleted; a read that sees the row change starts again.
   */
  async getContent(appPkgId: string): Promise<AppPackageContent | undefined> {
    for (let attempt = 0; ; attempt++) {
      const row: ContentHeadRow | undefined = await this.knex(CONTENTS)
        .where({ app_pkg_id: appPkgId })
        .first(
          'package_media_type',
          'appd_text',
          'appd_file_name',
          this.knex.raw('length(package_archive) as package_archive_bytes'),
          this.knex.raw('length(chart_archive) as chart_archive_bytes'),
        );
      if (!row) {
        return undefined;
      }
      const packageArchive = await this.readArchive(
        appPkgId,
        'package_archive',
        Number(row.package_archive_bytes),
      );
      const chartArchive =
        row.chart_archive_bytes === null
          ? undefined
          : await this.readArchive(
              appPkgId,
              'chart_archive',
              Number(row.chart_archive_bytes),
            );
      if (packageArchive === 'changed' || chartArchive === 'changed') {
        // Replaced or deleted between two pieces: read it again.
        if (attempt < 3) continue;
        throw new Error(
          `The content of package ${appPkgId} kept changing while it was read`,
        );
      }
      return {
        appPkgId,
        packageArchive,
        packageMediaType: row.package_media_type,
        appdText: row.appd_text ?? undefined,
        appdFileName: row.appd_file_name ?? undefined,
        chartArchive,
      };
    }
  }

  /**
   * One archive column of a content row, piece by piece; 'changed' when the
   * row is gone or its archive no longer has `bytes` bytes.
   */
  private async readArchive(
    appPkgId: string,
    column: 'package_archive' | 'chart_archive',
    bytes: number,
  ): Promise<Buffer | 'changed'> {
    const pieceBytes =
      DatabaseClock.forKnex(this.knex).dialect === 'pg'
        ? CONTENT_CHUNK_BYTES
        : bytes;
    const pieces: Buffer[] = [];
    let read = 0;
    while (read < bytes) {
      // substr counts from 1, in bytes for bytea (PostgreSQL) and blobs (SQLite).
      const piece = await this.knex(CONTENTS)
        .where({ app_pkg_id: appPkgId })
        .first(
          this.knex.raw('substr(??, ?, ?) as piece', [
            column,
            read + 1,
            pieceBytes,
          ]),
          this.knex.raw('length(??) as bytes', [column]),
        );
      if (!piece?.piece?.length || Number(piece.bytes) !== bytes) {
        return 'changed';
      }
      const buffer: Buffer = piece.piece;
      pieces.push(buffer);
      read += buffer.length;
    }
    return Buffer.concat(pieces, bytes);
  }

  async deleteContent(appPkgId: string): Promise<void> {
    await this.knex<AppPackageContentRow>(CONTENTS)
      .where({ app_pkg_id: appPkgId })
      .delete();
  }
}

const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

function toPartialRow(update: AppPackageUpdate): Partial<AppPackageRow> {
  const row: Partial<AppPackageRow> = {};
  const set = <K extends keyof AppPackageRow>(
    key: K,
    present: boolean,
    value: AppPackageRow[K],
  ) => {
    if (present) {
      row[key] = value;
    }
  };
  set('app_pkg_path', 'appPkgPath' in update, update.appPkgPath ?? null);
  set('app_d_id', 'appDId' in update, update.appDId ?? null);
  set('app_name', 'appName' in update, update.appName ?? null);
  set('app_provider', 'appProvider' in update, update.appProvider ?? null);
  set(
    'app_software_version',
    'appSoftwareVersion' in update,
    update.appSoftwareVersion ?? null,
  );
  set('app_d_version', 'appDVersion' in update, update.appDVersion ?? null);
  if (update.onboardingState) row.onboarding_state = update.onboardingState;
  if (update.operationalState) row.operational_state = update.operationalState;
  if (update.usageState) row.usage_state = update.usageState;
  if (update.mecInfo) row.mec_info = JSON.stringify(update.mecInfo);
  set(
    'user_defined_data',
    'userDefinedData' in update,
    json(update.userDefinedData),
  );
  set(
    'onboarding_failure',
    'onboardingFailure' in update,
    json(update.onboardingFailure),
  );
  if ('onboardingClaimedUntil' in update) {
    row.onboarding_claimed_until = update.onboardingClaimedUntil ?? null;
    if (!update.onboardingClaimedUntil) {
      row.onboarding_claim = null;
    }
  }
  set('appd', 'appd' in update, json(update.appd));
  set(
    'appd_derivation',
    'appdDerivation' in update,
    json(update.appdDerivation),
  );
  set('chart_name', 'chartName' in update, update.chartName ?? null);
  set('chart_version', 'chartVersion' in update, update.chartVersion ?? null);
  set('chart_digest', 'chartDigest' in update, update.chartDigest ?? null);
  return row;
}

function toRow(record: AppPackage): AppPackageRow {
  return {
    id: record.id,
    app_pkg_name: record.appPkgName,
    app_pkg_version: record.appPkgVersion,
    app_pkg_path: record.appPkgPath ?? null,
    app_d_id: record.appDId ?? null,
    app_name: record.appName ?? null,
    app_provider: record.appProvider ?? null,
    app_software_version: record.appSoftwareVersion ?? null,
    app_d_version: record.appDVersion ?? null,
    checksum_algorithm: record.checksum.algorithm,
    checksum_hash: record.checksum.hash,
    onboarding_state: record.onboardingState,
    operational_state: record.operationalState,
    usage_state: record.usageState,
    mec_info: JSON.stringify(record.mecInfo),
    user_defined_data: record.userDefinedData
      ? JSON.stringify(record.userDefinedData)
      : null,
    onboarding_failure: record.onboardingFailure
      ? JSON.stringify(record.onboardingFailure)
      : null,
    onboarding_claimed_until: record.onboardingClaimedUntil ?? null,
    onboarding_claim: null,
    appd: json(record.appd),
    appd_derivation: json(record.appdDerivation),
    chart_name: record.chartName ?? null,
    chart_version: record.chartVersion ?? null,
    chart_digest: record.chartDigest ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function toRecord(row: AppPackageRow): AppPackage {
  return {
    id: row.id,
    appPkgName: row.app_pkg_name,
    appPkgVersion: row.app_pkg_version,
    appPkgPath: row.app_pkg_path ?? undefined,
    appDId: row.app_d_id ?? undefined,
    appName: row.app_name ?? undefined,
    appProvider: row.app_provider ?? undefined,
    appSoftwareVersion: row.app_software_version ?? undefined,
    appDVersion: row.app_d_version ?? undefined,
    checksum: { algorithm: row.checksum_algorithm, hash: row.checksum_hash },
    onboardingState: row.onboarding_state,
    operationalState: row.operational_state,
    usageState: row.usage_state,
    mecInfo: JSON.parse(row.mec_info),
    userDefinedData: row.user_defined_data
      ? JSON.parse(row.user_defined_data)
      : undefined,
    onboardingFailure: row.onboarding_failure
      ? toOnboardingFailure(JSON.parse(row.onboarding_failure))
      : undefined,
    onboardingClaimedUntil: row.onboarding_claimed_until
      ? new Date(row.onboarding_claimed_until)
      : undefined,
    appd: row.appd ? JSON.parse(row.appd) : undefined,
    appdDerivation: row.appd_derivation
      ? JSON.parse(row.appd_derivation)
      : undefined,
    chartName: row.chart_name ?? undefined,
    chartVersion: row.chart_version ?? undefined,
    chartDigest: row.chart_digest ?? undefined,
    // SQLite hands back timestamps as numbers or strings, PostgreSQL as Date.
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * Failures stored before they had a cause carry the status they were shown
 * with instead: 422 for refused content, 502 otherwise.
 */
function toOnboardingFailure(
  stored: OnboardingFailure & { status?: number },
): OnboardingFailure {
  const { status, ...failure } = stored;
  return failure.cause
    ? failure
    : { ...failure, cause: status === 422 ? 'content' : 'unobtainable' };
}
