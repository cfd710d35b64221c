export {
  OutboundUrlPolicy,
  OutboundUrlError,
  OutboundFetchError,
  type OutboundAllowRule,
  type OutboundFetchFailure,
  type OutboundFetchOptions,
  type OutboundPurpose,
  type OutboundRequestInit,
  type OutboundScheme,
  type OutboundUrlPolicyOptions,
} from './OutboundUrlPolicy';
