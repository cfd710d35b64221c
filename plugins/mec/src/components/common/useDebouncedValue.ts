import { useState } from 'react';
import useDebounce from 'react-use/esm/useDebounce';

/** Milliseconds of typing pause before a search goes to the backend. */
export const SEARCH_DELAY_MS = 300;

/**
 * The value once it has stopped changing for `delayMs`: a search box asks
 * the backend once per pause in typing, not once per key.
 */
export function useDebouncedValue<T>(value: T, delayMs = SEARCH_DELAY_MS): T {
  const [settled, setSettled] = useState(value);
  useDebounce(() => setSettled(value), delayMs, [value]);
  return settled;
}
