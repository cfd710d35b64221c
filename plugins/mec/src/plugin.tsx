import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  MEC_ANNOTATION_EDGE_HOST,
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
} from '@helmmec/plugin-mec-common';
import { mecApiRef } from './api/MecApi';
import { MecClient } from './api/MecClient';
import { MecIcon } from './components/MecIcon';
import { rootRouteRef } from './routes';

const mecApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: mecApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new MecClient(deps),
    }),
});

const mecPage = PageBlueprint.make({
  params: {
    path: '/mec',
    title: 'MEC',
    icon: <MecIcon />,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/MecPage/MecPage').then(m => <m.MecPage />),
  },
});

/** The "MEC" tab on the catalog pages of MEC packages and instances. */
const mecEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'mec',
    title: 'MEC',
    filter: entity =>
      entity.kind === MEC_APP_PACKAGE_KIND ||
      entity.kind === MEC_APP_INSTANCE_KIND,
    loader: () =>
      import('./components/entity/MecEntityContent').then(m => (
        <m.MecEntityContent />
      )),
  },
});

/**
 * A card on the overview of MEC packages, instances and edge hosts: what
 * each relates to (package and host of an instance, instances of the others).
 */
const mecRelationsEntityCard = EntityCardBlueprint.make({
  name: 'relations',
  params: {
    filter: entity =>
      entity.kind === MEC_APP_PACKAGE_KIND ||
      entity.kind === MEC_APP_INSTANCE_KIND ||
      !!entity.metadata.annotations?.[MEC_ANNOTATION_EDGE_HOST],
    loader: () =>
      import('./components/entity/MecRelationsCard').then(m => (
        <m.MecRelationsCard />
      )),
  },
});

/**
 * The HelmMEC frontend plugin: MEC pages rooted at /mec, with a sidebar item.
 * @public
 */
export const mecPlugin = createFrontendPlugin({
  pluginId: 'mec',
  title: 'MEC',
  icon: <MecIcon />,
  routes: { root: rootRouteRef },
  extensions: [mecApi, mecPage, mecEntityContent, mecRelationsEntityCard],
});
