import { HumanDuration } from '@backstage/types';
import { MecCore } from './types';

/** A worker of leased jobs (op occurrences, onboardings). */
export interface LeasedWorker {
  /** Claims and runs the jobs that no replica holds. */
  resumeUnclaimed(): Promise<void>;
  /** Stops, handing back its claims. */
  stop(): Promise<void>;
}

/**
 * Lets a worker resume, on this replica, the jobs left unclaimed (in
 * flight when a backend stopped, or never picked up), and stop with the
 * plugin.
 */
export async function scheduleLeasedWork(
  core: MecCore,
  task: { id: string; timeout: HumanDuration },
  worker: LeasedWorker,
): Promise<void> {
  await core.scheduler.scheduleTask({
    id: task.id,
    frequency: { seconds: 10 },
    timeout: task.timeout,
    initialDelay: { seconds: 5 },
    scope: 'local',
    fn: () => worker.resumeUnclaimed(),
  });
  core.lifecycle.addShutdownHook(() => worker.stop());
}
