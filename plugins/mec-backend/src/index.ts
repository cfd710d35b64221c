/**
 * HelmMEC backend plugin: the ETSI GS MEC 010-2 Mm1/Mm3 management APIs.
 *
 * @packageDocumentation
 */

export { mecPlugin as default } from './plugin';
