import type { TimeStamp } from '@helmmec/plugin-mec-common';

/** An ETSI TimeStamp as a Date. */
export function timeStampDate(t: TimeStamp): Date {
  return new Date(t.seconds * 1000 + Math.floor(t.nanoSeconds / 1e6));
}
