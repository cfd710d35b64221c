/**
 * HelmMEC backend plugin: the ETSI GS MEC 010-2 Mm1/Mm3 management APIs.
 *
 * @packageDocumentation
 */

export { mecPlugin as default } from './plugin';
// For `npm run mec:reencrypt` (packages/backend/src/reencrypt.ts).
export {
  reencryptStoredSecrets,
  type ReencryptSummary,
} from './capabilities/secrets';
// For backend modules whose edge driver builds on a built-in one.
export { HelmDriver, FluxDriver, EdgeDriverError } from './drivers';
export type {
  HelmDriverOptions,
  FluxDriverOptions,
  DriverErrorReason,
} from './drivers';
