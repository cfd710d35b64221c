import { InputError } from '@backstage/errors';
import type { AppLcmSubscriptionRequest } from '@helmmec/plugin-mec-common';
import {
  normalizeAppLcmSubscription,
  toAppLcmSubscriptionInfo,
  toAppLcmSubscriptionType,
} from './appLcmSubscriptions';

const callbackUri = 'https://oss.example.com/n';

describe('normalizeAppLcmSubscription', () => {
  it('maps v2.1.1 names and selector numbers to V3.1.1 names', () => {
    expect(
      normalizeAppLcmSubscription({
        callbackUri,
        subscriptionType: 'AppLcmOpOccStateChange',
        appLcmOpOccSubscriptionFilter: {
          operationTypes: ['INSTANTIATE'],
          appInstanceSubscriptionFilter: {
            appInstSelectorType: 1,
            appInstances: ['i-1'],
          },
        },
      }),
    ).toEqual({
      subscriptionType: 'AppLcmOpOccStateChangeSubscription',
      callbackUri,
      filter: {
        appLcmOpOccSubscriptionFilter: {
          operationTypes: ['INSTANTIATE'],
          appInstanceSubscriptionFilter: {
            appInstSelectorType: 'APP_IDENTITY',
            appInstances: ['i-1'],
          },
        },
      },
    });
    expect(
      normalizeAppLcmSubscription({
        callbackUri,
        subscriptionType: 'AppInstanceStateChangeSubscription',
        appInstanceState: 'STOPPED',
        appInstanceSubscriptionFilter: { appInstSelectorType: 'VOID' },
      }),
    ).toEqual({
      subscriptionType: 'AppInstanceStateChangeSubscription',
      callbackUri,
      filter: {
        appInstanceState: 'STOPPED',
        appInstanceSubscriptionFilter: { appInstSelectorType: 'VOID' },
      },
    });
  });

  it.each<[string, Partial<AppLcmSubscriptionRequest>, string | RegExp]>([
    [
      'an unknown type',
      { subscriptionType: 'AppPackageOnBoarding' as 'AppInstanceStateChange' },
      "Unknown subscriptionType 'AppPackageOnBoarding'",
    ],
    [
      'appInstanceState on another type',
      {
        subscriptionType: 'AppIdentifierCreationSubscription',
        appInstanceState: 'STARTED',
      },
      'appInstanceState applies to AppInstanceStateChangeSubscription only',
    ],
    [
      'an op occurrence filter on another type',
      {
        subscriptionType: 'AppInstanceStateChange',
        appLcmOpOccSubscriptionFilter: { operationTypes: ['OPERATE'] },
      },
      /appLcmOpOccSubscriptionFilter applies to AppLcmOpOccStateChangeSubscription only/,
    ],
    [
      'a selector number out of range',
      {
        subscriptionType: 'AppIdentifierDeletionSubscription',
        appInstanceSubscriptionFilter: { appInstSelectorType: 5 },
      },
      /^appInstanceSubscriptionFilter.appInstSelectorType must be 0-4/,
    ],
    [
      'APP_FROM_PROVIDER without providers',
      {
        subscriptionType: 'AppLcmOpOccStateChangeSubscription',
        appLcmOpOccSubscriptionFilter: {
          appInstanceSubscriptionFilter: { appInstSelectorType: 4 },
        },
      },
      'appLcmOpOccSubscriptionFilter.appInstanceSubscriptionFilter: APP_FROM_PROVIDER needs appsFromProviders',
    ],
  ])('refuses %s', (_, request, message) => {
    const normalize = () =>
      normalizeAppLcmSubscription({
        callbackUri,
        subscriptionType: 'AppInstanceStateChangeSubscription',
        ...request,
      });
    expect(normalize).toThrow(InputError);
    expect(normalize).toThrow(message);
  });
});

describe('toAppLcmSubscriptionType', () => {
  it('names a query parameter value in V3.1.1 terms', () => {
    expect(toAppLcmSubscriptionType('AppInstanceStateChange')).toBe(
      'AppInstanceStateChangeSubscription',
    );
    expect(toAppLcmSubscriptionType('AppIdentifierCreationSubscription')).toBe(
      'AppIdentifierCreationSubscription',
    );
    expect(() => toAppLcmSubscriptionType('toString')).toThrow(InputError);
  });
});

describe('toAppLcmSubscriptionInfo', () => {
  it('gives the stored filter back, without the authentication', () => {
    expect(
      toAppLcmSubscriptionInfo(
        {
          id: 's/1',
          api: 'app_lcm',
          subscriptionType: 'AppInstanceStateChangeSubscription',
          callbackUri,
          filter: {
            appInstanceState: 'STARTED',
            appInstanceSubscriptionFilter: {
              appInstSelectorType: 'APP_D_ID',
              appInstances: ['d-1'],
            },
          },
          hasAuthentication: true,
          createdAt: new Date(),
        },
        'http://meo.test/app_lcm/v1',
      ),
    ).toEqual({
      id: 's/1',
      subscriptionType: 'AppInstanceStateChangeSubscription',
      callbackUri,
      appInstanceState: 'STARTED',
      appInstanceSubscriptionFilter: {
        appInstSelectorType: 'APP_D_ID',
        appInstances: ['d-1'],
      },
      _links: {
        self: { href: 'http://meo.test/app_lcm/v1/subscriptions/s%2F1' },
      },
    });
  });
});
