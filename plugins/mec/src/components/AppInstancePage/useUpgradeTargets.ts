import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo, AppPkgInfo } from '@helmmec/plugin-mec-common';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { allOf, filterTerm } from '../../api/mecFilter';

/**
 * Compares dotted versions part by part, numerically where both parts are
 * numbers (`2.10.0` > `2.9.1`), as text otherwise; a release sorts after
 * its pre-releases (`1.0.0` > `1.0.0-rc.1`).
 */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitPre(a);
  const [coreB, preB] = splitPre(b);
  const partsA = coreA.split('.');
  const partsB = coreB.split('.');
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const x = partsA[i] ?? '0';
    const y = partsB[i] ?? '0';
    const order =
      /^\d+$/.test(x) && /^\d+$/.test(y)
        ? Number(x) - Number(y)
        : x.localeCompare(y);
    if (order !== 0) return Math.sign(order);
  }
  if (preA === preB) return 0;
  if (!preA) return 1;
  if (!preB) return -1;
  return Math.sign(preA.localeCompare(preB, undefined, { numeric: true }));
}

function splitPre(version: string): [string, string] {
  const v = version.replace(/^v/, '');
  const dash = v.indexOf('-');
  return dash < 0 ? [v, ''] : [v.slice(0, dash), v.slice(dash + 1)];
}

/** The version a package shows: its application's software version. */
export function packageVersion(pkg: AppPkgInfo): string {
  return pkg.appSoftwareVersion;
}

/**
 * The other onboarded, ENABLED versions of an instance's application (same
 * appName and appProvider), newest first, and the newest of those newer
 * than the instance's: what change_app_pkg may move it to.
 */
export function useUpgradeTargets(instance: AppInstanceInfo | undefined) {
  const mecApi = useApi(mecApiRef);
  const state = useAsync(async () => {
    if (!instance) return [];
    const packages = await mecApi.listAppPackages({
      filter: allOf(
        filterTerm('eq', 'appName', instance.appName),
        filterTerm('eq', 'appProvider', instance.appProvider),
        filterTerm('eq', 'onboardingState', 'ONBOARDED'),
        filterTerm('eq', 'operationalState', 'ENABLED'),
      ),
    });
    return packages
      .filter(p => p.id !== instance.appPkgId && p.appDId)
      .sort((a, b) => compareVersions(packageVersion(b), packageVersion(a)));
  }, [mecApi, instance?.id, instance?.appPkgId]);
  const targets = state.value ?? [];
  const newer = instance
    ? targets.find(
        p => compareVersions(packageVersion(p), instance.appSoftVersion) > 0,
      )
    : undefined;
  return { targets, newer, error: state.error };
}
