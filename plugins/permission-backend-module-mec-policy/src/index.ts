/**
 * The HelmMEC permission policy for Backstage's permission plugin: viewer,
 * developer and platform admin roles from catalog groups.
 *
 * @packageDocumentation
 */
export { permissionModuleMecPolicy as default } from './module';
export {
  MecPermissionPolicy,
  MEC_ROLE_PERMISSIONS,
  type MecRole,
} from './MecPermissionPolicy';
