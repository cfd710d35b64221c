/*
 * ETSI GS MEC 010-2 granting/v1 wire types, generated from
 * plugins/mec-backend/src/schema/openapi/granting.yaml.
 */
import type { components } from './generated/granting';

/** Every schema of the granting OpenAPI document, by name. @public */
export type GrantingSchemas = components['schemas'];

/** Request body of POST grants. @public */
export type GrantRequest = GrantingSchemas['GrantRequest'];

/** @public */
export type Grant = GrantingSchemas['Grant'];
