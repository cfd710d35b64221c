import type { TimeStamp } from '@helmmec/plugin-mec-common';

/** A point in time as ETSI TimeStamp: seconds and nanoseconds since the epoch. */
export function toTimeStamp(date: Date = new Date()): TimeStamp {
  const ms = date.getTime();
  return {
    seconds: Math.floor(ms / 1000),
    nanoSeconds: (ms % 1000) * 1_000_000,
  };
}
