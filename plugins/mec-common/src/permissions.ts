import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Onboard a MEC application package (POST app_packages, PUT package_content).
 * @public
 */
export const mecAppPackageCreatePermission = createPermission({
  name: 'mec.app-package.create',
  attributes: { action: 'create' },
});

/**
 * Read MEC application packages and their AppD and content.
 * @public
 */
export const mecAppPackageReadPermission = createPermission({
  name: 'mec.app-package.read',
  attributes: { action: 'read' },
});

/** All permissions of the mec plugin. @public */
export const mecPermissions = [
  mecAppPackageCreatePermission,
  mecAppPackageReadPermission,
];
