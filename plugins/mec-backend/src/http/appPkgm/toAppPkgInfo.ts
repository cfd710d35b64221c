import type { AppPkgInfo, ProblemDetails } from '@helmmec/plugin-mec-common';
import { AppPackage, OnboardingFailure } from '../../packages/model';

/**
 * Status codes of onboarding failures: refused content is unprocessable, a
 * package that could not be obtained a failure of its source (bad gateway).
 */
const FAILURE_STATUS: Record<OnboardingFailure['cause'], number> = {
  content: 422,
  unobtainable: 502,
};

/** An onboarding failure as the ProblemDetails of `onboardingFailureDetails`. */
export function toOnboardingFailureDetails(
  failure: OnboardingFailure,
): ProblemDetails {
  return {
    type: 'about:blank',
    title: failure.title,
    status: FAILURE_STATUS[failure.cause],
    detail: failure.detail,
  };
}

/**
 * Translates a package into the ETSI AppPkgInfo wire format.
 *
 * @param apiBase - the externally visible `{apiRoot}/app_pkgm/v1`
 * @param readBy - the tree the package was read through: read by appDId
 *   (`/onboarded_app_packages`), its AppD and content links stay in that
 *   tree (7.2); `self` is the package's own resource, by appPkgId, either way.
 */
export function toAppPkgInfo(
  record: AppPackage,
  apiBase: string,
  readBy: 'appPkgId' | 'appDId' = 'appPkgId',
): AppPkgInfo {
  const self = `${apiBase}/app_packages/${encodeURIComponent(record.id)}`;
  const tree =
    readBy === 'appDId' && record.appDId
      ? `${apiBase}/onboarded_app_packages/${encodeURIComponent(record.appDId)}`
      : self;
  return {
    id: record.id,
    // Until the AppD has been read these mandatory attributes are unknown;
    // the package's name and version from CreateAppPkg stand in for them.
    appDId: record.appDId ?? '',
    ...(record.appProvider ? { appProvider: record.appProvider } : {}),
    appName: record.appName ?? record.appPkgName,
    appSoftwareVersion: record.appSoftwareVersion ?? record.appPkgVersion,
    appDVersion: record.appDVersion ?? '',
    checksum: record.checksum,
    softwareImages: record.chartName
      ? [
          {
            name: record.chartName,
            version: record.chartVersion,
            containerFormat: 'HELM_CHART',
          },
        ]
      : [],
    onboardingState: record.onboardingState,
    operationalState: record.operationalState,
    usageState: record.usageState,
    mecInfo: record.mecInfo,
    ...(record.userDefinedData
      ? { userDefinedData: record.userDefinedData }
      : {}),
    ...(record.onboardingFailure
      ? {
          onboardingFailureDetails: toOnboardingFailureDetails(
            record.onboardingFailure,
          ),
        }
      : {}),
    ...(record.appdDerivation ? { appDDerivation: record.appdDerivation } : {}),
    _links: {
      self: { href: self },
      appD: { href: `${tree}/appd` },
      appPkgContent: { href: `${tree}/package_content` },
    },
  };
}
