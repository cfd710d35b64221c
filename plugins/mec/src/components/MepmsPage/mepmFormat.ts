import type { Mepm, MepmAuth } from '@helmmec/plugin-mec-common';

/** The state chip text of a MEPM's latest check. */
export function mepmHealth(mepm: Mepm) {
  if (!mepm.status) return 'UNCHECKED';
  return mepm.status.reachable ? 'REACHABLE' : 'UNREACHABLE';
}

/** How the MEO learns of the MEPM's operations, in words. */
export function notificationsOf(mepm: Mepm): string {
  if (!mepm.status) return '—';
  return mepm.status.subscribed ? 'subscribed' : 'polling only';
}

/** How the MEO authenticates to a MEPM, in words. */
export function authLabel(type: MepmAuth['type']) {
  return type === 'token' ? 'bearer token' : 'OAuth 2.0 client credentials';
}
