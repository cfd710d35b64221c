import { createBackendModule } from '@backstage/backend-plugin-api';

/**
 * The MEC scaffolder actions.
 *
 * @public
 */
export const scaffolderModuleMec = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'mec',
  register(reg) {
    reg.registerInit({
      deps: {},
      async init() {},
    });
  },
});
