/**
 * Types, entity kinds and permissions shared by the HelmMEC frontend and backend.
 *
 * @packageDocumentation
 */

export * from './etsi';
export * from './appPkgm';
export * from './appLcm';
export * from './granting';
export * from './hosts';
export * from './mepms';
export * from './permissions';
export * from './appd';
export * from './catalog';
export * from './entityNames';
export * from './paging';
