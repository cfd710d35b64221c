import { Knex } from 'knex';

/** Onboarding state of a package (ETSI GS MEC 010-2 Annex A). */
export type OnboardingState =
  | 'CREATED'
  | 'UPLOADING'
  | 'PROCESSING'
  | 'ONBOARDED';
/** Whether a package may be used to instantiate new application instances. */
export type OperationalState = 'ENABLED' | 'DISABLED';
/** Whether application instances of the package exist. */
export type UsageState = 'IN_USE' | 'NOT_IN_USE';

/** A MEC application package as the MEO stores it. */
export interface AppPackageRecord {
  id: string;
  appPkgName: string;
  appPkgVersion: string;
  appPkgPath?: string;
  /** Known once the AppD has been read, that is from PROCESSING on. */
  appDId?: string;
  appName?: string;
  appProvider?: string;
  appSoftwareVersion?: string;
  appDVersion?: string;
  checksum: { algorithm: string; hash: string };
  onboardingState: OnboardingState;
  operationalState: OperationalState;
  usageState: UsageState;
  mecInfo: string[];
  userDefinedData?: Record<string, unknown>;
  onboardingFailure?: {
    title: string;
    status: number;
    detail: string;
  };
  createdAt: Date;
  updatedAt: Date;
}

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
  created_at: Date | string;
  updated_at: Date | string;
};

const TABLE = 'app_packages';

/** Persistence of MEC application packages (table `app_packages`). */
export class AppPackageStore {
  static create(options: { knex: Knex }): AppPackageStore {
    return new AppPackageStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  async listAppPackages(): Promise<AppPackageRecord[]> {
    const rows = await this.knex<AppPackageRow>(TABLE)
      .select()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc');
    return rows.map(toRecord);
  }

  async getAppPackage(id: string): Promise<AppPackageRecord | undefined> {
    const row = await this.knex<AppPackageRow>(TABLE).where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  async insertAppPackage(record: AppPackageRecord): Promise<void> {
    await this.knex<AppPackageRow>(TABLE).insert(toRow(record));
  }
}

function toRow(record: AppPackageRecord): AppPackageRow {
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
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function toRecord(row: AppPackageRow): AppPackageRecord {
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
      ? JSON.parse(row.onboarding_failure)
      : undefined,
    // SQLite hands back timestamps as numbers or strings, PostgreSQL as Date.
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
