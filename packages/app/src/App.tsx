import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import mecPlugin from '@helmmec/plugin-mec';

/**
 * The HelmMEC portal: the software catalog with the Kubernetes tab, plus the
 * MEC pages.
 */
const app = createApp({
  features: [catalogPlugin, kubernetesPlugin, mecPlugin],
});

export default app.createRoot();
