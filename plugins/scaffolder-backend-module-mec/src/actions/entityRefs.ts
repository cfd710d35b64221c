import {
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
  instanceEntityName,
  packageEntityName,
} from '@helmmec/plugin-mec-common';

// The catalog module names MEC entities with these same functions, so a
// template can link to the entity before the catalog has mirrored it.

/** Entity ref of the `MecAppPackage` mirroring a package. */
export function packageEntityRef(pkg: {
  id: string;
  appName: string;
  appSoftwareVersion: string;
}): string {
  return `${MEC_APP_PACKAGE_KIND.toLocaleLowerCase(
    'en-US',
  )}:default/${packageEntityName(pkg)}`;
}

/** Entity ref of the `MecAppInstance` mirroring an instance. */
export function instanceEntityRef(instance: {
  id: string;
  appInstanceName?: string;
  appName: string;
}): string {
  return `${MEC_APP_INSTANCE_KIND.toLocaleLowerCase(
    'en-US',
  )}:default/${instanceEntityName(instance)}`;
}
