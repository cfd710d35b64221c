/*
 * The HelmMEC portal backend: Backstage's catalog, auth and permission
 * plugins, the mec plugin with its catalog module, and the Kubernetes plugin
 * with the MEC edge hosts as clusters.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
// Guest sign-in for local use; configure a real provider for production.
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@helmmec/plugin-catalog-backend-module-mec'));

backend.add(import('@backstage/plugin-permission-backend'));
// Roles from catalog groups (mec.permissions.roles); allows everything only
// under auth.environment: development.
backend.add(import('@helmmec/plugin-permission-backend-module-mec-policy'));

backend.add(import('@helmmec/plugin-mec-backend'));
// The events bus, so that the mec plugin's change announcements reach the
// catalog in every backend replica (on PostgreSQL; in memory on SQLite).
backend.add(import('@backstage/plugin-events-backend'));

// The stock Kubernetes plugin, with the MEC edge hosts as its clusters.
backend.add(import('@backstage/plugin-kubernetes-backend'));
backend.add(import('@helmmec/plugin-kubernetes-backend-module-mec'));

backend.start();
