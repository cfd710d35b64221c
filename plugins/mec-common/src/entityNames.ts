/*
 * Stable, DNS-safe catalog names for MEC resources. A name must never change
 * while the resource exists, or the catalog would see a delete and an add.
 * The catalog provider names its entities with these, and the portal links
 * to them by the same names.
 */

const MAX_NAME_LENGTH = 63;

/** Lower-cases and replaces what a catalog name may not contain by `-`. @public */
export function sanitizeName(value: string): string {
  return value
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `<base>-<suffix>`, with the base cut so the whole fits in 63 characters. */
function withSuffix(base: string, id: string): string {
  const suffix = sanitizeName(id).replace(/-/g, '').slice(0, 8) || 'x';
  const room = MAX_NAME_LENGTH - suffix.length - 1;
  const head = sanitizeName(base).slice(0, room).replace(/-+$/, '');
  return head ? `${head}-${suffix}` : suffix;
}

/**
 * Name of a `MecAppPackage` entity (namespace default):
 * `<appName>-<appSoftwareVersion>-<id prefix>`.
 * @public
 */
export function packageEntityName(pkg: {
  id: string;
  appName: string;
  appSoftwareVersion: string;
}): string {
  return withSuffix(`${pkg.appName}-${pkg.appSoftwareVersion}`, pkg.id);
}

/**
 * Name of a `MecAppInstance` entity (namespace default):
 * `<appInstanceName or appName>-<id prefix>`.
 * @public
 */
export function instanceEntityName(instance: {
  id: string;
  appInstanceName?: string;
  appName: string;
}): string {
  return withSuffix(instance.appInstanceName || instance.appName, instance.id);
}

/** Name of an edge host `Resource` entity: the host's name, a DNS label. @public */
export function hostEntityName(hostName: string): string {
  return sanitizeName(hostName).slice(0, MAX_NAME_LENGTH).replace(/-+$/, '');
}
