import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { MecClient } from './MecClient';
import { createCreateInstanceAction } from './actions/createInstance';
import { createInstantiateAction } from './actions/instantiate';
import { createOnboardPackageAction } from './actions/onboard';

/**
 * The MEC scaffolder actions: `mec:package:onboard`, `mec:instance:create`
 * and `mec:instance:instantiate`. They call the mec plugin's ETSI APIs on
 * behalf of the user running the template.
 *
 * @public
 */
export const scaffolderModuleMec = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'mec',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        const client = new MecClient({ discovery, auth });
        scaffolder.addActions(
          createOnboardPackageAction({ client }),
          createCreateInstanceAction({ client }),
          createInstantiateAction({ client }),
        );
      },
    });
  },
});
