import { AppPackage } from '../../packages/model';
import { toAppPkgInfo, toOnboardingFailureDetails } from './toAppPkgInfo';

const created: AppPackage = {
  id: 'pkg 1',
  appPkgName: 'video',
  appPkgVersion: '0.1.0',
  checksum: { algorithm: 'SHA-256', hash: 'ab' },
  onboardingState: 'CREATED',
  operationalState: 'DISABLED',
  usageState: 'NOT_IN_USE',
  mecInfo: [],
  createdAt: new Date(),
  updatedAt: new Date(),
};

describe('toAppPkgInfo', () => {
  it('lets the package name and version stand in until the AppD is read', () => {
    expect(toAppPkgInfo(created, 'https://meo/app_pkgm/v1')).toEqual({
      id: 'pkg 1',
      appDId: '',
      appName: 'video',
      appSoftwareVersion: '0.1.0',
      appDVersion: '',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
      softwareImages: [],
      onboardingState: 'CREATED',
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      mecInfo: [],
      _links: {
        self: { href: 'https://meo/app_pkgm/v1/app_packages/pkg%201' },
        appD: { href: 'https://meo/app_pkgm/v1/app_packages/pkg%201/appd' },
        appPkgContent: {
          href: 'https://meo/app_pkgm/v1/app_packages/pkg%201/package_content',
        },
      },
    });
  });

  it('links the AppD and content in the appDId tree when read by appDId', () => {
    const onboarded = { ...created, appDId: 'appd 1' };
    expect(toAppPkgInfo(onboarded, 'https://meo/v1', 'appDId')._links).toEqual({
      self: { href: 'https://meo/v1/app_packages/pkg%201' },
      appD: { href: 'https://meo/v1/onboarded_app_packages/appd%201/appd' },
      appPkgContent: {
        href: 'https://meo/v1/onboarded_app_packages/appd%201/package_content',
      },
    });
  });

  it.each([
    ['content', 422],
    ['unobtainable', 502],
  ] as const)(
    'shows a %s failure as ProblemDetails with status %p',
    (cause, status) => {
      const failure = { cause, title: 'T', detail: 'D' };
      expect(toOnboardingFailureDetails(failure)).toEqual({
        type: 'about:blank',
        title: 'T',
        status,
        detail: 'D',
      });
      expect(
        toAppPkgInfo({ ...created, onboardingFailure: failure }, '')
          .onboardingFailureDetails,
      ).toEqual({ type: 'about:blank', title: 'T', status, detail: 'D' });
    },
  );
});
