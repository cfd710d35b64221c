import { matchesAppPkgFilters } from './appPkgm';

describe('matchesAppPkgFilters', () => {
  const pkg = {
    appPkgId: 'p1',
    appDId: 'd1',
    appProvider: 'acme',
    appName: 'app',
    appSoftwareVersion: '1.0.0',
    appDVersion: '1',
    operationalState: 'ENABLED' as const,
    usageState: 'NOT_IN_USE' as const,
  };

  it('selects everything without filters and any matching filter otherwise', () => {
    expect(matchesAppPkgFilters(undefined, pkg)).toBe(true);
    expect(matchesAppPkgFilters([], pkg)).toBe(true);
    expect(
      matchesAppPkgFilters([{ appDId: 'x' }, { appProvider: 'acme' }], pkg),
    ).toBe(true);
    expect(
      matchesAppPkgFilters(
        [{ appProvider: 'acme', appSoftwareVersion: '2.0.0' }],
        pkg,
      ),
    ).toBe(false);
    expect(matchesAppPkgFilters([{ usageState: 'IN_USE' }], pkg)).toBe(false);
    expect(matchesAppPkgFilters([{ appPkgInfoId: 'p1' }], pkg)).toBe(true);
  });
});
