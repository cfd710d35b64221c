/**
 * An example edge driver module for the HelmMEC backend: the template for
 * writing a driver and adding it through `mecDriversExtensionPoint`.
 *
 * @packageDocumentation
 */

export { mecModuleExampleDriver as default } from './module';
export { DRIVER_LABEL, ExampleDriver } from './ExampleDriver';
export type { ExampleDriverOptions } from './ExampleDriver';
