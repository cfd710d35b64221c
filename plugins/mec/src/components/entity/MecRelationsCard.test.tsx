import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { screen } from '@testing-library/react';
import { MecRelationsCard } from './MecRelationsCard';

function render(entity: Entity) {
  return renderInTestApp(
    <EntityProvider entity={entity}>
      <MecRelationsCard />
    </EntityProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('MecRelationsCard', () => {
  it("links an instance's package and edge host", async () => {
    await render({
      apiVersion: 'mec.helmmec.io/v1alpha1',
      kind: 'MecAppInstance',
      metadata: { name: 'va-1-c3d9a0f1', namespace: 'default' },
      spec: {},
      relations: [
        {
          type: 'dependsOn',
          targetRef: 'mecapppackage:default/video-analytics-2-4-1-5f2c1a9e',
        },
        { type: 'dependsOn', targetRef: 'resource:default/edge-1' },
        { type: 'ownedBy', targetRef: 'group:default/edge-team' },
      ],
    });
    expect(await screen.findByText('Application package')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /video-analytics-2-4-1-5f2c1a9e/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/mecapppackage/video-analytics-2-4-1-5f2c1a9e',
    );
    expect(screen.getByRole('link', { name: /edge-1/ })).toHaveAttribute(
      'href',
      '/catalog/default/resource/edge-1',
    );
  });

  it('lists the instances of a package, or says there are none', async () => {
    await render({
      apiVersion: 'mec.helmmec.io/v1alpha1',
      kind: 'MecAppPackage',
      metadata: { name: 'video-analytics-2-4-1-5f2c1a9e' },
      spec: {},
      relations: [
        {
          type: 'dependencyOf',
          targetRef: 'mecappinstance:default/va-1-c3d9a0f1',
        },
      ],
    });
    expect(
      await screen.findByRole('link', { name: /va-1-c3d9a0f1/ }),
    ).toBeInTheDocument();
  });

  it('says when an edge host runs no instances', async () => {
    await render({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'edge-2',
        annotations: { 'mec.helmmec.io/edge-host': 'edge-2' },
      },
      spec: { type: 'kubernetes-cluster' },
    });
    expect(
      await screen.findByText('No application instances'),
    ).toBeInTheDocument();
  });
});
