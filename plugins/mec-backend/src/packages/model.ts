/*
 * The domain model of application package management (ETSI GS MEC 010-2
 * clause 5.2 and Annex A), in the MEO's own terms. The ETSI wire format
 * (AppPkgInfo, CreateAppPkg, ProblemDetails) is translated in http/appPkgm.
 */

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

/** A declared hash of the package content. */
export interface Checksum {
  algorithm: string;
  hash: string;
}

/**
 * Why the last onboarding attempt sent the package back to CREATED:
 * `content` when the package was refused (its checksum, archive or AppD),
 * `unobtainable` when it could not be fetched or processed at all.
 */
export interface OnboardingFailure {
  cause: 'content' | 'unobtainable';
  title: string;
  detail: string;
}

/** An AppD attribute derived from a Helm chart, and where it came from. */
export interface AppDDerivationEntry {
  attribute: string;
  source: string;
}

/** A MEC application package as the MEO keeps it. */
export interface AppPackage {
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
  checksum: Checksum;
  onboardingState: OnboardingState;
  operationalState: OperationalState;
  usageState: UsageState;
  mecInfo: string[];
  userDefinedData?: Record<string, unknown>;
  onboardingFailure?: OnboardingFailure;
  /** Lease held by the backend replica that is onboarding the package. */
  onboardingClaimedUntil?: Date;
  /** The AppD (ETSI GS MEC 010-2 attribute names), once onboarded. */
  appd?: Record<string, unknown>;
  /** AppD attributes derived from the chart (no AppD file), and where from. */
  appdDerivation?: AppDDerivationEntry[];
  chartName?: string;
  chartVersion?: string;
  /** SHA-256 (hex) of the chart archive. */
  chartDigest?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The stored archives of a package. */
export interface AppPackageContent {
  appPkgId: string;
  /** The package as uploaded or fetched; once onboarded, a MEC package ZIP. */
  packageArchive: Buffer;
  packageMediaType: string;
  appdText?: string;
  appdFileName?: string;
  chartArchive?: Buffer;
}

/** Attributes of a package that change after creation. */
export type AppPackageUpdate = Partial<
  Omit<
    AppPackage,
    | 'id'
    | 'appPkgName'
    | 'appPkgVersion'
    | 'createdAt'
    | 'onboardingFailure'
    | 'onboardingClaimedUntil'
  >
> & {
  onboardingFailure?: OnboardingFailure | null;
  onboardingClaimedUntil?: Date | null;
};

/** The states a conditional update or delete expects a package to be in. */
export type AppPackageStates = Partial<
  Pick<AppPackage, 'onboardingState' | 'operationalState' | 'usageState'>
>;

/**
 * Package fields a list can be narrowed by. `appName` and
 * `appSoftwareVersion` are the AppD's, or until the AppD has been read the
 * package name and version given at creation, which stand in for them.
 */
export type AppPackageField =
  | 'id'
  | 'appDId'
  | 'appProvider'
  | 'appName'
  | 'appSoftwareVersion'
  | 'appDVersion'
  | 'onboardingState'
  | 'operationalState'
  | 'usageState';

/**
 * A condition on a package field: `in` one of the values, `notIn` any of
 * them (a package without the field satisfies it), or `contains` one of
 * them as a substring.
 */
export interface AppPackageCondition {
  field: AppPackageField;
  op: 'in' | 'notIn' | 'contains';
  values: string[];
}

/** How a package is addressed: by the MEO's appPkgId or, once onboarded, by appDId. */
export type AppPackageRef = { appPkgId: string } | { appDId: string };

/** Creates a package resource (from ETSI CreateAppPkg). */
export interface CreateAppPackageCommand {
  appPkgName: string;
  appPkgVersion: string;
  appProvider?: string;
  checksum: Checksum;
  userDefinedData?: Record<string, unknown>;
  /** Where the MEO fetches the package; without it, content is uploaded. */
  appPkgPath?: string;
}

/** Enables or disables an onboarded package (from ETSI AppPkgInfoModifications). */
export interface ChangeOperationalStateCommand {
  operationalState: OperationalState;
}
