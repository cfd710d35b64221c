/**
 * Types, entity kinds and permissions shared by the HelmMEC frontend and backend.
 *
 * @packageDocumentation
 */

export * from './etsi';
export * from './permissions';
export * from './appd';
export * from './lcm';
export * from './catalog';
export * from './entityNames';
