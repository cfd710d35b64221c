/**
 * Extension points of the HelmMEC backend, for backend modules that bring
 * edge cluster drivers or placement strategies.
 *
 * @packageDocumentation
 */

export * from './extensions';
