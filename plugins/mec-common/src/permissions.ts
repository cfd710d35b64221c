import { createPermission } from '@backstage/plugin-permission-common';

/** Onboard a MEC application package (POST app_packages, PUT package_content). @public */
export const mecPackageOnboardPermission = createPermission({
  name: 'mec.package.onboard',
  attributes: { action: 'create' },
});

/** Enable or disable a MEC application package (PATCH). @public */
export const mecPackageUpdatePermission = createPermission({
  name: 'mec.package.update',
  attributes: { action: 'update' },
});

/** Delete a MEC application package. @public */
export const mecPackageDeletePermission = createPermission({
  name: 'mec.package.delete',
  attributes: { action: 'delete' },
});

/** Create or delete an application instance resource. @public */
export const mecInstanceCreatePermission = createPermission({
  name: 'mec.instance.create',
  attributes: { action: 'create' },
});

/** Instantiate an application instance on an edge host. @public */
export const mecInstanceInstantiatePermission = createPermission({
  name: 'mec.instance.instantiate',
  attributes: { action: 'update' },
});

/** Stop or start an application instance, and retry, fail or cancel its operations. @public */
export const mecInstanceOperatePermission = createPermission({
  name: 'mec.instance.operate',
  attributes: { action: 'update' },
});

/** Terminate an application instance. @public */
export const mecInstanceTerminatePermission = createPermission({
  name: 'mec.instance.terminate',
  attributes: { action: 'delete' },
});

/** Register or change an edge host. @public */
export const mecHostRegisterPermission = createPermission({
  name: 'mec.host.register',
  attributes: { action: 'create' },
});

/** Remove an edge host. @public */
export const mecHostRemovePermission = createPermission({
  name: 'mec.host.remove',
  attributes: { action: 'delete' },
});

/** All permissions of the mec plugin. @public */
export const mecPermissions = [
  mecPackageOnboardPermission,
  mecPackageUpdatePermission,
  mecPackageDeletePermission,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceTerminatePermission,
  mecHostRegisterPermission,
  mecHostRemovePermission,
];
