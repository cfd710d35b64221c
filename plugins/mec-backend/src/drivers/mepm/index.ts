export { MepmDriver } from './MepmDriver';
export type { MepmDriverDeps, MepmDriverOptions } from './MepmDriver';
export { MepmMappingStore } from './MepmMappingStore';
export type { RemoteInstance, RemoteOpOcc } from './MepmMappingStore';
