import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { screen } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { MepmsPage } from './MepmsPage';

// Its own file: usePermission caches answers (SWR) across a file's tests.
describe('MepmsPage without mec.mepm.read and mec.mepm.manage', () => {
  it('says why it shows no MEPMs, asks the backend for none, and offers no registration', async () => {
    const listMepmsPage = jest.fn(async () => ({ items: [] }));
    await renderInTestApp(<MepmsPage />, {
      config: { permission: { enabled: true } },
      apis: [
        [mecApiRef, mockMecApi({ listMepmsPage })],
        // The string is AuthorizeResult.DENY, without depending on its package.
        [permissionApiRef, mockApis.permission({ authorize: 'DENY' as any })],
      ] as const,
    });
    expect(
      await screen.findByText(
        'You may not see the MEPMs (permission mec.mepm.read).',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Register MEPM' }),
    ).toBeDisabled();
    expect(
      screen.getByLabelText(
        'You may not register MEPMs (permission mec.mepm.manage)',
      ),
    ).toBeInTheDocument();
    expect(listMepmsPage).not.toHaveBeenCalled();
  });
});
