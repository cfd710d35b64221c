/*
 * ETSI GS MEC 009 / 010-2 data types that every one of the APIs uses. Like the
 * other wire types here, they are aliases of the types generated from the
 * backend's OpenAPI documents (src/generated), the source of truth.
 */
import type { components as AppLcm } from './generated/app_lcm';
import type { components as AppPkgm } from './generated/app_pkgm';

/**
 * ETSI MEC 009 ProblemDetails (RFC 7807), the body of every error response.
 * @public
 */
export type ProblemDetails = AppPkgm['schemas']['ProblemDetails'];

/** @public */
export type LinkType = AppPkgm['schemas']['LinkType'];

/** @public */
export type Checksum = AppPkgm['schemas']['Checksum'];

/** @public */
export type KeyValuePairs = AppPkgm['schemas']['KeyValuePairs'];

/** Seconds and nanoseconds since the epoch (ETSI TimeStamp). @public */
export type TimeStamp = AppLcm['schemas']['TimeStamp'];

/** The ETSI API names and the version of each that HelmMEC serves. @public */
export const MEC_API_ROOTS = {
  appPkgm: 'app_pkgm/v1',
  appLcm: 'app_lcm/v1',
  granting: 'granting/v1',
} as const;
