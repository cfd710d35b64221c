import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { AppPackageService } from '../../packages/AppPackageService';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import {
  matchesAttributeFilter,
  parseAttributeFilter,
} from '../query/attributeFilter';
import { createAttributeSelector } from '../query/attributeSelector';
import { methodNotAllowed } from '../methodNotAllowed';
import { toAppPkgInfo } from './toAppPkgInfo';

/** Top-level attributes of AppPkgInfo, the names a filter may use. */
const APP_PKG_INFO_ATTRIBUTES = Object.keys(
  spec.components.schemas.AppPkgInfo.properties,
);

/** Complex attributes that lists leave out unless asked (clause 7.3.1.3.2). */
const APP_PKG_INFO_DEFAULT_EXCLUDED = [
  'checksum',
  'softwareImages',
  'additionalArtifacts',
];

/**
 * The ETSI GS MEC 010-2 app_pkgm/v1 API (clause 7.3), validated against our
 * OpenAPI document.
 *
 * @param apiBase - externally visible `{apiRoot}/app_pkgm/v1`, for `_links`
 */
export async function createAppPkgmRouter(options: {
  appPackages: AppPackageService;
  apiBase: () => Promise<string>;
}) {
  const router = await createValidatedOpenApiRouter<typeof spec>(spec, {
    // Authentication is checked before this router (see ../authenticate.ts);
    // the document's securitySchemes only describe it.
    validatorOptions: { validateSecurity: false },
  });

  router.get('/app_packages', async (req, res) => {
    const { filter, ...selectors } = req.query;
    const parsedFilter = filter
      ? parseAttributeFilter(filter, APP_PKG_INFO_ATTRIBUTES)
      : [];
    const select = createAttributeSelector(selectors, {
      defaultExcluded: APP_PKG_INFO_DEFAULT_EXCLUDED,
      attributes: APP_PKG_INFO_ATTRIBUTES,
    });
    const apiBase = await options.apiBase();
    const packages = (await options.appPackages.listAppPackages())
      .map(record => toAppPkgInfo(record, apiBase))
      .filter(info => matchesAttributeFilter(parsedFilter, info))
      .map(select);
    res.json(packages);
  });

  router.use(methodNotAllowed(spec));
  return router;
}
