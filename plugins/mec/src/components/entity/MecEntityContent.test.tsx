import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { AppInstanceInfo } from '@helmmec/plugin-mec-common';
import { screen } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { MecEntityContent } from './MecEntityContent';

const instance = {
  id: 'inst-1',
  appInstanceName: 'video-1',
  appDId: 'appd-1',
  appProvider: 'HelmMEC Examples',
  appName: 'video-analytics',
  appSoftVersion: '2.4.1',
  appDVersion: '1.0',
  appPkgId: 'pkg-1',
  instantiationState: 'INSTANTIATED',
  instantiatedAppState: { operationalState: 'STARTED' },
  edgeHost: { name: 'edge-1', namespace: 'edge-apps' },
  _links: { self: { href: 'x' } },
} as AppInstanceInfo;

describe('MecEntityContent', () => {
  it('shows the live state of the instance an entity mirrors, with a way into MEC', async () => {
    const getAppInstance = jest.fn(async () => instance);
    await renderInTestApp(
      <EntityProvider
        entity={{
          apiVersion: 'mec.helmmec.io/v1alpha1',
          kind: 'MecAppInstance',
          metadata: {
            name: 'video-1-inst1',
            annotations: { 'mec.helmmec.io/app-instance-id': 'inst-1' },
          },
          spec: {},
        }}
      >
        <MecEntityContent />
      </EntityProvider>,
      { apis: [[mecApiRef, mockMecApi({ getAppInstance })]] as const },
    );
    expect(await screen.findByText('STARTED')).toBeInTheDocument();
    expect(screen.getByText('edge-1')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open in MEC' })).toHaveAttribute(
      'href',
      '/mec/instances/inst-1',
    );
    expect(getAppInstance).toHaveBeenCalledWith('inst-1');
  });
});
