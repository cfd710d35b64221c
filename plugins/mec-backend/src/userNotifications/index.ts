export {
  PortalNotifier,
  toRoleEntityRef,
  type PortalNotifierDeps,
  type PortalNotifierOptions,
} from './PortalNotifier';
export {
  hostReachabilityMessage,
  instanceEntityRef,
  opOccOutcomeMessage,
  type PortalMessage,
} from './messages';
