import { CustomErrorBase } from '@backstage/errors';

/**
 * The lease of a job is gone or can no longer be trusted: another replica
 * took it over, renewing it failed for too long, or this runner is stopping.
 * A job that sees it stops without writing; whoever claims the job next
 * resumes it.
 */
export class LeaseLostError extends CustomErrorBase {
  name = 'LeaseLostError' as const;
}

/** The job was cancelled through {@link LeasedJobRunner.cancel} or its `watch`. */
export class JobCancelledError extends CustomErrorBase {
  name = 'JobCancelledError' as const;
}
