/**
 * HelmMEC frontend plugin: MEC application packages, instances and edge
 * hosts in the Backstage portal.
 *
 * @packageDocumentation
 */

export { mecPlugin as default } from './plugin';
export {
  mecApiRef,
  type MecApi,
  type MecListPage,
  type MecListQuery,
} from './api/MecApi';
export { MecClient } from './api/MecClient';
