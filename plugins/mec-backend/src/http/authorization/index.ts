export { MecAuthorizer } from './MecAuthorizer';
export {
  authorizeOperations,
  operationsOf,
  PERMISSION_EXTENSION,
} from './authorizeOperations';
export type { MecOperation } from './authorizeOperations';
export {
  DECLARABLE_PERMISSIONS,
  DEFAULT_PLUGIN_CLIENTS,
  MEC_CLIENT_BUNDLES,
  readMecClients,
} from './mecClients';
