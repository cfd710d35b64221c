import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Loads data, reloads on demand, and polls while `shouldPoll` says the data
 * is still changing (e.g. a package being processed), so no page reload is
 * ever needed. The one polling primitive of the portal: every page that
 * follows the backend goes through it.
 *
 * `loading` is true until the first value or error; when `deps` change the
 * last value stays (no blank table while the next page or filter loads)
 * and `refreshing` is true until the new one arrives.
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

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState(s => (s.loading || s.refreshing ? s : { ...s, refreshing: true }));
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (cancelled) return;
        setState({ value, loading: false, refreshing: false });
        if (shouldPollRef.current?.(value)) {
          timer = setTimeout(run, options.intervalMs ?? 2000);
        }
      } catch (error) {
        if (!cancelled) {
          setState({
            error: error as Error,
            loading: false,
            refreshing: false,
          });
        }
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
