/*
 * The HelmMEC portal backend: Backstage's catalog, auth and permission
 * plugins, the mec plugin with its catalog module, the Kubernetes plugin
 * with the MEC edge hosts as clusters, and the scaffolder, notifications and
 * search plugins.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
// Guest sign-in for local use; configure a real provider for production.
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@helmmec/plugin-catalog-backend-module-mec'));
// The Template kind, for the software templates under examples/templates.
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// Software templates, with the MEC actions (onboard, create, instantiate).
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@helmmec/plugin-scaffolder-backend-module-mec'));

// Notifications to users (operation outcomes, edge host health), pushed to
// open browsers through signals.
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// Search over the catalog (MEC packages, instances, hosts and APIs included);
// in memory on SQLite, PostgreSQL's full text search in production.
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));

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
