/**
 * Extension points of the HelmMEC backend, for backend modules that bring
 * edge drivers: `mecDriversExtensionPoint` adds a driver whose id edge
 * hosts can then name in their `driver` setting.
 *
 * @packageDocumentation
 */

export * from './extensions';
