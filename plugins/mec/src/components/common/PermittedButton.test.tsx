import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { mecPackageOnboardPermission } from '@helmmec/plugin-mec-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { screen } from '@testing-library/react';
import { PermittedButton } from './PermittedButton';

// Its own file: usePermission caches answers (SWR) across a file's tests.
describe('PermittedButton', () => {
  it('is disabled with the reason when the permission is denied', async () => {
    await renderInTestApp(
      <PermittedButton
        permission={mecPackageOnboardPermission}
        what="onboard packages"
      >
        Onboard package
      </PermittedButton>,
      {
        config: { permission: { enabled: true } },
        apis: [
          // The string is AuthorizeResult.DENY, without depending on its package.
          [permissionApiRef, mockApis.permission({ authorize: 'DENY' as any })],
        ] as const,
      },
    );
    expect(
      await screen.findByLabelText(
        'You may not onboard packages (permission mec.package.onboard)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Onboard package' }),
    ).toBeDisabled();
  });
});
