import type { AppPkgSubscription } from '@helmmec/plugin-mec-common';
import { normalizeAppPkgSubscription } from './appPkgSubscriptions';

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
      filter: [{ usageState: 'IN_USE' }],
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
        // A body the OpenAPI validator would refuse.
        normalizeAppPkgSubscription({
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: type,
        } as unknown as AppPkgSubscription),
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
