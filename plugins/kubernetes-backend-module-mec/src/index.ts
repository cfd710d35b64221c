/**
 * Kubernetes backend module for HelmMEC: the registered MEC edge hosts as the
 * clusters of Backstage's Kubernetes plugin.
 *
 * @packageDocumentation
 */

export { kubernetesModuleMecEdgeHosts as default } from './module';
export { MecEdgeHostClusterSupplier } from './MecEdgeHostClusterSupplier';
export type { MecEdgeHostClusterSupplierOptions } from './MecEdgeHostClusterSupplier';
