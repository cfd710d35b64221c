import { useApi } from '@backstage/frontend-plugin-api';
import type { AppLcmOpOcc } from '@helmmec/plugin-mec-common';
import { mecApiRef } from '../../api/MecApi';
import { filterTerm } from '../../api/mecFilter';
import { usePolling } from '../common/usePolling';

/** Milliseconds between reads while an operation runs. */
export const RUNNING_POLL_MS = 1500;

function newestFirst(a: AppLcmOpOcc, b: AppLcmOpOcc) {
  return (
    b.startTime.seconds - a.startTime.seconds ||
    b.startTime.nanoSeconds - a.startTime.nanoSeconds
  );
}

/** Whether an op occurrence is still under way. */
export function isRunning(opOcc: AppLcmOpOcc | undefined): boolean {
  return (
    opOcc?.operationState === 'STARTING' ||
    opOcc?.operationState === 'PROCESSING'
  );
}

/**
 * An application instance and its op occurrences, newest first, followed
 * live while one runs. The backend filters the op occurrences on the
 * instance's link (in SQL), so the page reads only this instance's.
 */
export function useAppInstance(appInstanceId: string) {
  const mecApi = useApi(mecApiRef);
  return usePolling(
    async () => {
      const instance = await mecApi.getAppInstance(appInstanceId);
      const occs = await mecApi.listOpOccs({
        filter: filterTerm(
          'eq',
          '_links/appInstance/href',
          instance._links.self.href,
        ),
      });
      return { instance, history: occs.sort(newestFirst) };
    },
    [mecApi, appInstanceId],
    {
      // Poll fast while an operation runs, so the page follows it live.
      intervalMs: RUNNING_POLL_MS,
      shouldPoll: v => v.history.some(isRunning),
    },
  );
}
