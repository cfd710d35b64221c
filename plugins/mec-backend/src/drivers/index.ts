export { DriverRegistry, createDefaultDrivers } from './DriverRegistry';
export { HelmDriver } from './helm/HelmDriver';
export type { HelmDriverOptions } from './helm/HelmDriver';
export { FluxDriver } from './flux/FluxDriver';
export type { FluxDriverOptions } from './flux/FluxDriver';
export { EdgeDriverError } from './errors';
export type { DriverErrorReason } from './errors';
export { REPLICAS_BEFORE_STOP_ANNOTATION } from './workloads';
