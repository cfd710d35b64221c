import { matchesAppPkgFilters, normalizeAppPkgSubscription } from './appPkgm';

describe('normalizeAppPkgSubscription', () => {
  it('maps v2.1.1 names and keeps V3.1.1 ones', () => {
    expect(
      normalizeAppPkgSubscription({
        callbackUri: 'https://oss.example.com/n',
        subsctiptionType: 'AppPacakgeOperationChange',
        appPkgFilter: [{ usageState: 'IN_USE' }],
      }),
    ).toEqual({
      callbackUri: 'https://oss.example.com/n',
      subscriptionType: 'AppPackageChangeSubscription',
      appPkgFilter: [{ usageState: 'IN_USE' }],
    });
    expect(
      normalizeAppPkgSubscription({
        callbackUri: 'https://oss.example.com/n',
        subscriptionType: 'AppPackageDeletionSubscription',
        appPkgFilter: [],
      }),
    ).toEqual({
      callbackUri: 'https://oss.example.com/n',
      subscriptionType: 'AppPackageDeletionSubscription',
    });
  });

  it.each(['toString', '__proto__', 'AppPackageEnabled', 42])(
    'refuses the subscription type %p',
    type => {
      expect(() =>
        normalizeAppPkgSubscription({
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: type,
        }),
      ).toThrow(/subscriptionType must be one of/);
    },
  );

  it('refuses usageState outside change subscriptions', () => {
    expect(() =>
      normalizeAppPkgSubscription({
        callbackUri: 'https://oss.example.com/n',
        subscriptionType: 'AppPackageOnBoarding',
        appPkgFilter: [{ usageState: 'IN_USE' }],
      }),
    ).toThrow(
      'appPkgFilter[0].usageState is only allowed with subscriptionType AppPackageChangeSubscription',
    );
  });
});

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
