import { useCallback, useEffect, useRef, useState } from 'react';

/** The longest wait between attempts while the backend keeps failing. */
const MAX_BACKOFF_MS = 30_000;

/**
 * Loads data, reloads on demand, and polls while `shouldPoll` says the data
 * is still changing (e.g. a package being processed), so no page reload is
 * ever needed. The one polling primitive of the portal: every page that
 * follows the backend goes through it.
 *
 * `loading` is true until the first value or error; when `deps` change the
 * last value stays (no blank table while the next page or filter loads)
 * and `refreshing` is true until the new one arrives.
 *
 * A failed load does not end the polling: `error` is set (the last value
 * stays beside it) and the load is tried again after `intervalMs`, doubling
 * with every further failure up to 30 s, so a page recovers by itself when
 * the backend answers again; the first answer clears `error`.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: { intervalMs?: number; shouldPoll?: (value: T) => boolean } = {},
) {
  const [state, setState] = useState<{
    value?: T;
    error?: Error;
    loading: boolean;
    refreshing: boolean;
  }>({ loading: true, refreshing: false });
  const loadRef = useRef(load);
  loadRef.current = load;
  const shouldPollRef = useRef(options.shouldPoll);
  shouldPollRef.current = options.shouldPoll;
  const [tick, setTick] = useState(0);
  const retry = useCallback(() => setTick(t => t + 1), []);
  const intervalRef = useRef(options.intervalMs ?? 2000);
  intervalRef.current = options.intervalMs ?? 2000;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    setState(s => (s.loading || s.refreshing ? s : { ...s, refreshing: true }));
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (cancelled) return;
        failures = 0;
        setState({ value, loading: false, refreshing: false });
        if (shouldPollRef.current?.(value)) {
          timer = setTimeout(run, intervalRef.current);
        }
      } catch (error) {
        if (cancelled) return;
        failures += 1;
        setState(s => ({
          value: s.value,
          error: error as Error,
          loading: false,
          refreshing: false,
        }));
        timer = setTimeout(
          run,
          Math.min(intervalRef.current * 2 ** (failures - 1), MAX_BACKOFF_MS),
        );
      }
    };
    run();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  return { ...state, retry };
}
