import { createApp } from '@backstage/frontend-defaults';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import searchPlugin from '@backstage/plugin-search/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import mecPlugin from '@helmmec/plugin-mec';
import { catalogIndexPage } from './modules/catalog';
import { navModule } from './modules/nav';

/**
 * The HelmMEC portal: the software catalog (with columns for the MEC kinds)
 * and the Kubernetes tab, the API docs of our ETSI APIs, the MEC pages,
 * software templates, search, notifications (pushed through signals) and
 * the user's settings.
 */
const app = createApp({
  features: [
    catalogPlugin.withOverrides({ extensions: [catalogIndexPage] }),
    kubernetesPlugin,
    apiDocsPlugin,
    mecPlugin,
    scaffolderPlugin,
    searchPlugin,
    notificationsPlugin,
    signalsPlugin,
    userSettingsPlugin,
    navModule,
  ],
});

export default app.createRoot();
