import { spec } from '../../schema/openapi/generated/app_pkgm';
import {
  mecPackageZip,
  validAppD,
} from '../../packages/content/__testUtils__/archives';
import { sha256 } from '../../__testUtils__/packages';
import { startConformanceBackend } from './tier';

type Backend = Awaited<ReturnType<typeof startConformanceBackend>>;

/** The suite's literal "not existing" identifiers (variables.txt). */
export const NOT_EXISTING = {
  appPkgId: 'NON_EXISTENT_APP_PKG_ID',
  appDId: 'NON_EXISTING_ON_BOARDED_APPD_ID',
  appdOfPackage: 'NON_EXISTING_APPD_ID',
  notExistingAppPkgId: 'NOT_EXISTING_APP_PKG_ID',
  subscriptionId: 'NON_EXISTENT_SUBSCRIPTION_ID',
};

/** The headers the suite's keywords set on a GET or DELETE. */
export const SUITE_GET_HEADERS = {
  accept: 'application/json',
  'content-type': '*/*',
};

/** Note for cases whose fixed variables.txt ids are replaced by created ones. */
export const CREATED_IDS =
  'ids from the create calls instead of variables.txt literals';

/**
 * The app_pkgm steps the PKGM cases share: packages created, uploaded and
 * onboarded the way a client of the MEO does it.
 */
export function pkgmSteps(backend: Backend) {
  const call = (
    method: string,
    template: string,
    path: string,
    request?: Parameters<Backend['call']>[4],
  ) => backend.call(spec, method, template, `/app_pkgm/v1${path}`, request);

  let serial = 0;

  /** A package archive whose AppD has an appDId of its own. */
  const archive = () => {
    serial += 1;
    const appDId = `conformance-${serial}-${Date.now().toString(36)}`;
    return {
      appDId,
      zip: mecPackageZip({ appd: { ...validAppD, appDId } }),
    };
  };

  /** POST /app_packages with a valid CreateAppPkg; the package is CREATED. */
  const createPackage = async (zip: Buffer = archive().zip) => {
    const res = await call('POST', '/app_packages', '/app_packages', {
      json: {
        appPkgName: `conformance-${serial}`,
        appPkgVersion: '1.0.0',
        checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
      },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  /** Creates a package, uploads its content and waits until ONBOARDED. */
  const onboardPackage = async () => {
    const { appDId, zip } = archive();
    const appPkgId = await createPackage(zip);
    const put = await call(
      'PUT',
      '/app_packages/{appPkgId}/package_content',
      `/app_packages/${appPkgId}/package_content`,
      { headers: { 'content-type': 'application/zip' }, body: zip },
    );
    expect(put.status).toBe(202);
    for (let i = 0; ; i++) {
      const res = await call(
        'GET',
        '/app_packages/{appPkgId}',
        `/app_packages/${appPkgId}`,
      );
      if (res.body.onboardingState === 'ONBOARDED') break;
      if (res.body.onboardingFailureDetails || i > 600) {
        throw new Error(`not onboarded: ${res.text}`);
      }
      await new Promise(r => setTimeout(r, 50));
    }
    return { appPkgId, appDId };
  };

  return { call, archive, createPackage, onboardPackage };
}
