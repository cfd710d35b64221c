import { MecApi } from './MecApi';

/**
 * A MecApi for unit tests: every call rejects unless the test overrides it,
 * so a test states exactly what the page may call.
 */
export function mockMecApi(overrides: Partial<MecApi> = {}): MecApi {
  return new Proxy(overrides as MecApi, {
    get(target, prop: string) {
      if (prop in target) return (target as any)[prop];
      return () => Promise.reject(new Error(`unexpected call ${prop}`));
    },
  });
}
