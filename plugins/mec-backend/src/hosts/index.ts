export {
  CredentialCipher,
  CredentialDecryptionError,
} from './CredentialCipher';
export type { EdgeHostCredential } from './CredentialCipher';
export { EdgeHostService } from './EdgeHostService';
export type {
  EdgeHostServiceOptions,
  EdgeHostDrivers,
  EdgeHostSettingsUpdate,
  EdgeHostUsage,
} from './EdgeHostService';
export {
  EdgeHostHealthChecker,
  EDGE_HOST_HEALTH_TASK_ID,
} from './EdgeHostHealthChecker';
export { probeEdgeHost } from './probeEdgeHost';
export type { ProbeOptions } from './probeEdgeHost';
export { readStaticHosts } from './staticHosts';
export type { RegisterEdgeHostRequest } from './validation';
export * from './model';
