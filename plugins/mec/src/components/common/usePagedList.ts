import { useState } from 'react';
import type { MecListPage } from '../../api/MecApi';
import { usePolling } from './usePolling';

function sameDeps(a: readonly unknown[], b: readonly unknown[]) {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * One page of a list the backend pages (ETSI GS MEC 009 markers), polled
 * through {@link usePolling}, with next and previous. The backend only
 * links forward, so the markers of the pages before are kept here; a
 * change of `deps` (a new filter) goes back to the first page.
 *
 * @param load - reads the page that `marker` names (the first without)
 */
export function usePagedList<T>(
  load: (marker: string | undefined) => Promise<MecListPage<T>>,
  deps: unknown[],
  options: {
    intervalMs?: number;
    shouldPoll?: (items: T[]) => boolean;
  } = {},
) {
  // The markers of the pages before the current one, and the current one's;
  // they belong to the deps they were read under.
  const [stack, setStack] = useState<{
    of: unknown[];
    markers: Array<string | undefined>;
  }>({ of: deps, markers: [undefined] });
  const markers = sameDeps(stack.of, deps) ? stack.markers : [undefined];
  const marker = markers[markers.length - 1];
  const { shouldPoll } = options;

  const { value, error, loading, refreshing, retry } = usePolling(
    () => load(marker),
    [...deps, marker],
    {
      intervalMs: options.intervalMs,
      shouldPoll: shouldPoll ? page => shouldPoll(page.items) : undefined,
    },
  );

  const nextMarker = value?.nextMarker;
  const next = () => {
    if (nextMarker) setStack({ of: deps, markers: [...markers, nextMarker] });
  };
  const previous = () => {
    if (markers.length > 1) {
      setStack({ of: deps, markers: markers.slice(0, -1) });
    }
  };

  return {
    items: value?.items,
    error,
    loading,
    /** A new page or filter is loading; the items shown are the last ones. */
    refreshing,
    retry,
    /** Zero-based index of the current page. */
    pageIndex: markers.length - 1,
    hasNext: !!nextMarker && !refreshing,
    hasPrevious: markers.length > 1,
    next,
    previous,
  };
}
