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
export {
  MecApiClient,
  MecApiError,
  MecApiUnreachableError,
  createMecApiAuth,
  readMecApiAuthSettings,
  staticTokenAuth,
  type MecApiAuth,
  type MecApiAuthSettings,
  type MecApiRequestOptions,
  type MecApiResponse,
} from './MecApiClient';
export {
  ClientCredentialsTokens,
  OAuth2TokenError,
  insecureTokenEndpoint,
  type ClientCredentials,
} from './oauth2ClientCredentials';
