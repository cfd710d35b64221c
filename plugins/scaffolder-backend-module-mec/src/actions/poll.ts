import { setTimeout as sleep } from 'node:timers/promises';

/** How often the actions read the state of what they wait for. */
export interface PollOptions {
  /** Milliseconds between reads; 1 s unless a test shortens it. */
  intervalMs?: number;
  /** The task's signal: a cancelled task stops waiting. */
  signal?: AbortSignal;
}

/**
 * Reads `read()` until `done` holds, calling `onChange` each time the value
 * `key` of a read differs from the last, so the task log shows each state
 * once rather than once per read.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  options: PollOptions & {
    done: (value: T) => boolean;
    key: (value: T) => string;
    onChange: (value: T) => void;
  },
): Promise<T> {
  let last: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    const key = options.key(value);
    if (key !== last) {
      last = key;
      options.onChange(value);
    }
    if (options.done(value)) {
      return value;
    }
    await sleep(options.intervalMs ?? 1000, undefined, {
      signal: options.signal,
    });
  }
}
