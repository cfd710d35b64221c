export type { MecCore } from './types';
export { buildNotifications } from './notifications';
export { buildPackages } from './packages';
export { buildEdgeHosts } from './edgeHosts';
export { buildLifecycle } from './lifecycle';
export { buildRetention } from './retention';
export { buildUserNotifications } from './userNotifications';
