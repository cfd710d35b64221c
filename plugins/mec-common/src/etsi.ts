/*
 * ETSI GS MEC 010-2 V3.1.1 wire types, as they appear on the Mm1/Mm3 APIs.
 * Only the HTTP edge of the backend and the frontend use these; the backend's
 * domain has its own model.
 */

/**
 * ETSI MEC 009 ProblemDetails (RFC 7807), the body of every error response.
 * @public
 */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
}

/** @public */
export type OnboardingState =
  | 'CREATED'
  | 'UPLOADING'
  | 'PROCESSING'
  | 'ONBOARDED';
/** @public */
export type OperationalState = 'ENABLED' | 'DISABLED';
/** @public */
export type UsageState = 'IN_USE' | 'NOT_IN_USE';

/** @public */
export interface Checksum {
  algorithm: string;
  hash: string;
}

/** @public */
export interface LinkType {
  href: string;
}

/**
 * Information about an application package (ETSI GS MEC 010-2 clause 6.2.3.3).
 * @public
 */
export interface AppPkgInfo {
  id: string;
  appDId: string;
  appProvider?: string;
  appName: string;
  appSoftwareVersion: string;
  appDVersion: string;
  checksum?: Checksum;
  signingCertificate?: string;
  softwareImages?: Array<Record<string, unknown>>;
  additionalArtifacts?: unknown[];
  onboardingState: OnboardingState;
  operationalState: OperationalState;
  usageState: UsageState;
  mecInfo: string[];
  userDefinedData?: Record<string, unknown>;
  onboardingFailureDetails?: ProblemDetails;
  /**
   * HelmMEC extension: present when the chart had no AppD file and the AppD
   * was derived from it; each derived attribute and where it came from.
   */
  appDDerivation?: Array<{ attribute: string; source: string }>;
  _links: {
    self: LinkType;
    appD: LinkType;
    appPkgContent: LinkType;
  };
}

/** The ETSI API names and the version of each that HelmMEC serves. @public */
export const MEC_API_ROOTS = {
  appPkgm: 'app_pkgm/v1',
  appLcm: 'app_lcm/v1',
  granting: 'granting/v1',
} as const;
