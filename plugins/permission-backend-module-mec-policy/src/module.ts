import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { MecPermissionPolicy } from './MecPermissionPolicy';

/**
 * Sets the HelmMEC permission policy (see {@link MecPermissionPolicy}) on
 * Backstage's permission plugin.
 *
 * @public
 */
export const permissionModuleMecPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'mec-policy',
  register(env) {
    env.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        policy.setPolicy(MecPermissionPolicy.fromConfig(config, { userInfo }));
      },
    });
  },
});
