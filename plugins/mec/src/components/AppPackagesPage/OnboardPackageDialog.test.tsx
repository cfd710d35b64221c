import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { OnboardPackageDialog } from './OnboardPackageDialog';

describe('OnboardPackageDialog', () => {
  it('validates a URL onboarding before submit, then sends it', async () => {
    const createAppPackage = jest.fn(async () => ({} as AppPkgInfo));
    const onOnboarded = jest.fn();
    await renderInTestApp(
      <OnboardPackageDialog
        open
        onClose={() => {}}
        onOnboarded={onOnboarded}
      />,
      { apis: [[mecApiRef, mockMecApi({ createAppPackage })]] as const },
    );
    fireEvent.click(
      await screen.findByRole('tab', { name: 'From a URL or OCI reference' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Onboard' }));
    expect(
      await screen.findByText('An http(s):// URL or an oci:// reference'),
    ).toBeInTheDocument();
    expect(screen.getByText('A package name is required')).toBeInTheDocument();
    expect(createAppPackage).not.toHaveBeenCalled();

    const type = (label: RegExp, value: string) =>
      fireEvent.change(screen.getByRole('textbox', { name: label }), {
        target: { value },
      });
    type(
      /Package URL or OCI reference/,
      'oci://localhost:5000/charts/va:1.0.0',
    );
    type(/Package name/, 'va');
    type(/Package version/, '1.0.0');
    type(/Checksum \(hex\)/, 'AB'.repeat(32));
    fireEvent.click(screen.getByRole('button', { name: 'Onboard' }));
    await waitFor(() =>
      expect(createAppPackage).toHaveBeenCalledWith({
        appPkgName: 'va',
        appPkgVersion: '1.0.0',
        appProvider: undefined,
        checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
        appPkgPath: 'oci://localhost:5000/charts/va:1.0.0',
      }),
    );
    expect(onOnboarded).toHaveBeenCalled();
  });
});
