/*
 * Wire types of HelmMEC's edge host registry (portal API /api/mec/hosts,
 * /api/mec/edge_drivers, /api/mec/placement and
 * /api/mec/local_edge_cluster), generated from
 * plugins/mec-backend/src/schema/openapi/hosts.yaml.
 */
import type { components } from './generated/hosts';

/** Every schema of the hosts OpenAPI document, by name. @public */
export type HostsSchemas = components['schemas'];

/**
 * The id of the driver that deploys application instances on an edge host.
 * @public
 */
export type EdgeHostDriver = HostsSchemas['Driver'];

/** Namespaces an edge host gives its instances. @public */
export type EdgeHostNamespacePolicy = HostsSchemas['NamespacePolicy'];

/** The credential of an edge host; write-only. @public */
export type EdgeHostCredential = HostsSchemas['Credential'];

/** CPU and memory amounts. @public */
export type ResourceAmounts = HostsSchemas['ResourceAmounts'];

/** The latest health check of an edge host. @public */
export type EdgeHostStatus = HostsSchemas['EdgeHostStatus'];

/** An edge host (Kubernetes cluster); credentials are never returned. @public */
export type EdgeHost = HostsSchemas['EdgeHost'];

/** Response of GET /hosts. @public */
export type EdgeHostList = HostsSchemas['EdgeHostList'];

/** Request body of POST /hosts; the credential is write-only. @public */
export type RegisterEdgeHost = HostsSchemas['RegisterEdgeHost'];

/** Request body of PATCH /hosts/{name}. @public */
export type EdgeHostPatch = HostsSchemas['EdgeHostPatch'];

/** An edge driver a host may name, by id. @public */
export type EdgeDriverInfo = HostsSchemas['EdgeDriverInfo'];

/** Response of GET /edge_drivers, sorted by id. @public */
export type EdgeDriverList = HostsSchemas['EdgeDriverList'];

/** One edge host's verdict in a placement preview. @public */
export type HostPlacement = HostsSchemas['HostPlacement'];

/**
 * Response of GET /placement: what the MEO's placement would decide now,
 * without granting anything.
 * @public
 */
export type PlacementPreview = HostsSchemas['PlacementPreview'];

/**
 * Response of GET /local_edge_cluster: how far `npm start` is with its local
 * edge cluster (building, starting, registering, registered, failed).
 * @public
 */
export type LocalEdgeCluster = HostsSchemas['LocalEdgeCluster'];
