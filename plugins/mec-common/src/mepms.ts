/*
 * Wire types of the MEO's registry of MEPMs (portal API /api/mec/mepms),
 * generated from plugins/mec-backend/src/schema/openapi/mepms.yaml.
 */
import type { components } from './generated/mepms';

/** Every schema of the mepms OpenAPI document, by name. @public */
export type MepmsSchemas = components['schemas'];

/**
 * How the MEO authenticates to a MEPM: a static token or OAuth 2.0 client
 * credentials; write-only.
 * @public
 */
export type MepmAuth = MepmsSchemas['Auth'];

/** A MEPM's auth settings as returned: without their secrets. @public */
export type MepmAuthInfo = MepmsSchemas['AuthInfo'];

/** The latest check of a MEPM: reachability and the hosts it reports. @public */
export type MepmStatus = MepmsSchemas['MepmStatus'];

/** A registered MEPM; credentials are never returned. @public */
export type Mepm = MepmsSchemas['Mepm'];

/** Response of GET /mepms. @public */
export type MepmList = MepmsSchemas['MepmList'];

/** Request body of POST /mepms; the auth secrets are write-only. @public */
export type RegisterMepm = MepmsSchemas['RegisterMepm'];

/** Request body of PATCH /mepms/{name}. @public */
export type MepmPatch = MepmsSchemas['MepmPatch'];
