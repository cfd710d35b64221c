import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import mecPlugin from '@helmmec/plugin-mec';

/** The HelmMEC portal: the software catalog plus the MEC pages. */
const app = createApp({
  features: [catalogPlugin, mecPlugin],
});

export default app.createRoot();
