/**
 * Catalog backend module for HelmMEC: MEC packages, instances and edge hosts
 * as catalog entities.
 *
 * @packageDocumentation
 */

export { catalogModuleMec as default } from './module';
export { MecEntityProvider } from './providers/MecEntityProvider';
export type { MecEntityProviderOptions } from './providers/MecEntityProvider';
export { MecEntitiesProcessor } from './processor/MecEntitiesProcessor';
export type {
  MecAppInstanceEntity,
  MecAppPackageEntity,
} from './processor/MecEntitiesProcessor';
