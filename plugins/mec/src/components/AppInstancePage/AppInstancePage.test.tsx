import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppInstanceInfo, AppLcmOpOcc } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { AppInstancePage } from './AppInstancePage';
import { helmValuesError } from './InstantiateDialog';

const instance: AppInstanceInfo = {
  id: 'inst-1',
  appInstanceName: 'va-1',
  appDId: 'appd-1',
  appProvider: 'HelmMEC Examples',
  appName: 'video-analytics',
  appSoftVersion: '2.4.1',
  appDVersion: '1.0',
  appPkgId: 'pkg-1',
  instantiationState: 'NOT_INSTANTIATED',
  _links: { self: { href: 'http://x/app_instances/inst-1' } },
};

const failed: AppLcmOpOcc = {
  id: 'occ-1',
  operationState: 'FAILED_TEMP',
  lcmOperation: 'INSTANTIATE',
  startTime: { seconds: 1_700_000_000, nanoSeconds: 0 },
  stateEnteredTime: { seconds: 1_700_000_001, nanoSeconds: 0 },
  error: {
    title: 'No edge host fits',
    detail: 'No edge host fits the application: no edge hosts are registered',
  },
  _links: {
    self: { href: 'http://x/app_lcm_op_occs/occ-1' },
    appInstance: { href: 'http://x/app_instances/inst-1' },
  },
};

describe('AppInstancePage', () => {
  it('shows the failed operation with its detail and retries it', async () => {
    const retryOpOcc = jest.fn(async () => {});
    // The backend filters on the instance's link; the page trusts it.
    const listOpOccs = jest.fn(async () => [failed]);
    await renderInTestApp(<AppInstancePage />, {
      mountPath: '/mec/instances/:appInstanceId',
      initialRouteEntries: ['/mec/instances/inst-1'],
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getAppInstance: async () => instance,
            listOpOccs,
            retryOpOcc,
          }),
        ],
      ] as const,
    });
    expect(
      (await screen.findAllByText(/no edge hosts are registered/)).length,
    ).toBeGreaterThan(0);
    expect(listOpOccs).toHaveBeenCalledWith({
      filter: "(eq,_links/appInstance/href,'http://x/app_instances/inst-1')",
    });
    expect(
      screen.getByRole('button', { name: 'Instantiate' }),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(retryOpOcc).toHaveBeenCalledWith('occ-1'));
  });

  it('links to the instance entity in the catalog', async () => {
    await renderInTestApp(<AppInstancePage />, {
      mountPath: '/mec/instances/:appInstanceId',
      initialRouteEntries: ['/mec/instances/inst-1'],
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getAppInstance: async () => instance,
            listOpOccs: async () => [],
          }),
        ],
      ] as const,
    });
    // named as the catalog provider names it: instanceEntityName
    expect(
      await screen.findByRole('link', {
        name: 'View this instance in the catalog',
      }),
    ).toHaveAttribute('href', '/catalog/default/mecappinstance/va-1-inst1');
  });
});

describe('helmValuesError', () => {
  it('accepts empty text and JSON objects only', () => {
    expect(helmValuesError('')).toBeUndefined();
    expect(helmValuesError('{"replicaCount": 2}')).toBeUndefined();
    expect(helmValuesError('[1]')).toMatch(/JSON object/);
    expect(helmValuesError('{nope')).toMatch(/Not valid JSON/);
  });
});
