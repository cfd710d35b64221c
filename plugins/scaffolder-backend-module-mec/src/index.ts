/**
 * Scaffolder actions for HelmMEC (mec:package:onboard, mec:instance:create,
 * mec:instance:instantiate).
 *
 * @packageDocumentation
 */
export { scaffolderModuleMec as default } from './module';
