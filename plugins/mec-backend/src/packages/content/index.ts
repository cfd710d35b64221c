/*
 * Reading and validating MEC application package content: package ZIPs,
 * Helm chart archives and their ETSI application descriptors.
 */
export { PackageContentError } from './PackageContentError';
export type { PackageContentErrorKind } from './PackageContentError';
export { DEFAULT_PACKAGE_CONTENT_LIMITS } from './limits';
export type { PackageContentLimits } from './limits';
export {
  computeChecksum,
  computeChecksumInChunks,
  normaliseChecksumAlgorithm,
  verifyChecksum,
} from './verifyChecksum';
export { validateAppD, APPD_ATTRIBUTES } from './validateAppD';
export type { AppDFile } from './parseAppDFile';
export {
  readHelmChartArchive,
  CHART_APPD_PATHS,
  CHART_APPD_PATH_ANNOTATION,
  CHART_APPD_ID_ANNOTATION,
  CHART_APP_PROVIDER_ANNOTATION,
} from './readHelmChartArchive';
export type {
  AppDDerivation,
  HelmChart,
  HelmChartContent,
} from './readHelmChartArchive';
export {
  readMecPackageArchive,
  TOSCA_META_PATH,
} from './readMecPackageArchive';
export type { MecPackageContent } from './readMecPackageArchive';
