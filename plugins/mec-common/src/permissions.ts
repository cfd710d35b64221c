import { createPermission } from '@backstage/plugin-permission-common';

// Every operation of the mec plugin's APIs declares one of these (see
// `x-mec-permission` in the backend's OpenAPI documents). Users get them
// from the permission policy, external clients from `mec.clients`.

/** Read application packages, their AppD and content (app_pkgm GET). @public */
export const mecPackageReadPermission = createPermission({
  name: 'mec.package.read',
  attributes: { action: 'read' },
});

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

/** Pull chart archives and the index from the MEO's Helm repository (edge clusters). @public */
export const mecPackagePullPermission = createPermission({
  name: 'mec.package.pull',
  attributes: { action: 'read' },
});

/** Read application instances and their op occurrences, without Helm values. @public */
export const mecInstanceReadPermission = createPermission({
  name: 'mec.instance.read',
  attributes: { action: 'read' },
});

/**
 * Read the Helm values given to an instantiation (`operationParams` of an
 * op occurrence); without it they are left out of responses, since values
 * often hold secrets. @public
 */
export const mecInstanceValuesReadPermission = createPermission({
  name: 'mec.instance.values.read',
  attributes: { action: 'read' },
});

/** Read edge hosts, the edge drivers and placement previews. @public */
export const mecHostReadPermission = createPermission({
  name: 'mec.host.read',
  attributes: { action: 'read' },
});

/** Check an edge host's health now (POST /hosts/{name}/check). @public */
export const mecHostCheckPermission = createPermission({
  name: 'mec.host.check',
  attributes: { action: 'update' },
});

/** Read one's own subscriptions of app_pkgm and app_lcm notifications. @public */
export const mecSubscriptionReadPermission = createPermission({
  name: 'mec.subscription.read',
  attributes: { action: 'read' },
});

/** Create and delete one's own subscriptions of app_pkgm and app_lcm notifications. @public */
export const mecSubscriptionManagePermission = createPermission({
  name: 'mec.subscription.manage',
  attributes: { action: 'create' },
});

/** Request grants (granting/v1) and read them, as a MEPM does over Mm3. @public */
export const mecGrantRequestPermission = createPermission({
  name: 'mec.grant.request',
  attributes: { action: 'create' },
});

/** Read the registered MEPMs (`/mepms`), their health and reported hosts. @public */
export const mecMepmReadPermission = createPermission({
  name: 'mec.mepm.read',
  attributes: { action: 'read' },
});

/** Register, change and remove MEPMs with the MEO, and check them now. @public */
export const mecMepmManagePermission = createPermission({
  name: 'mec.mepm.manage',
  attributes: { action: 'update' },
});

/**
 * Deliver a MEPM's AppLccn notifications to the MEO's callback endpoint,
 * as a MEPM does over Mm3. @public
 */
export const mecMepmNotifyPermission = createPermission({
  name: 'mec.mepm.notify',
  attributes: { action: 'create' },
});

/** All permissions of the mec plugin. @public */
export const mecPermissions = [
  mecPackageReadPermission,
  mecPackageOnboardPermission,
  mecPackageUpdatePermission,
  mecPackageDeletePermission,
  mecPackagePullPermission,
  mecInstanceReadPermission,
  mecInstanceValuesReadPermission,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceTerminatePermission,
  mecHostReadPermission,
  mecHostRegisterPermission,
  mecHostRemovePermission,
  mecHostCheckPermission,
  mecSubscriptionReadPermission,
  mecSubscriptionManagePermission,
  mecGrantRequestPermission,
  mecMepmReadPermission,
  mecMepmManagePermission,
  mecMepmNotifyPermission,
];
