/*
 * The HelmMEC portal backend: Backstage's catalog, auth and permission
 * plugins plus the mec plugin and its catalog module.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
// Guest sign-in for local use; configure a real provider for production.
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@helmmec/plugin-catalog-backend-module-mec'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

backend.add(import('@helmmec/plugin-mec-backend'));

backend.start();
