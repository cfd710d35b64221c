export { DatabaseClock } from './DatabaseClock';
export { JobCancelledError, LeaseLostError } from './errors';
export { LeaseTable, type Lease, type LeaseTableSpec } from './LeaseTable';
export {
  LeasedJobRunner,
  type JobOutcome,
  type LeasedJob,
  type LeasedJobRunnerOptions,
  type RunningJob,
} from './LeasedJobRunner';
