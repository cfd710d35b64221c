export {
  CredentialCipher,
  CredentialDecryptionError,
} from './CredentialCipher';
export type { EdgeHostCredential } from './CredentialCipher';
export {
  DEVELOPMENT_HOST_RULES,
  EdgeHostService,
  MEPM_DRIVER_ID,
} from './EdgeHostService';
export type {
  EdgeHostReachabilityChange,
  EdgeHostServiceOptions,
  EdgeHostDrivers,
  EdgeHostSettingsUpdate,
  EdgeHostUsage,
  MepmHostLeftOut,
  MepmReportedHost,
} from './EdgeHostService';
export {
  EdgeHostHealthChecker,
  EDGE_HOST_HEALTH_TASK_ID,
  REFUSED_BY_HOST_RULES,
} from './EdgeHostHealthChecker';
export { PROBE_FAILURES, probeEdgeHost } from './probeEdgeHost';
export type { ProbeFailure, ProbeOptions } from './probeEdgeHost';
export { readStaticHosts } from './staticHosts';
export type { RegisterEdgeHostRequest } from './validation';
export * from './model';
