import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { GrantingService } from '../../granting/GrantingService';
import { spec } from '../../schema/openapi/generated/granting';
import { methodNotAllowed } from '../methodNotAllowed';
import { parseGrantRequest } from './fromGrantingWire';
import { toGrant } from './toGrantingWire';

/**
 * The ETSI GS MEC 010-2 granting/v1 API (clause 7.5), for an external MEPM.
 * Grants are decided at once: 201 with the Grant.
 *
 * @param apiBase - externally visible `{apiRoot}/granting/v1`
 * @param appLcmBase - externally visible `{apiRoot}/app_lcm/v1`, for `_links`
 */
export async function createGrantingRouter(options: {
  granting: GrantingService;
  apiBase: () => Promise<string>;
  appLcmBase: () => Promise<string>;
}) {
  const router = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: { validateSecurity: false },
  });

  router.post('/grants', async (req, res) => {
    const grant = await options.granting.grant(parseGrantRequest(req.body));
    res
      .status(201)
      .location(`${await options.apiBase()}/grants/${grant.id}`)
      .json(toGrant(grant, await options.appLcmBase()));
  });
  router.get('/grants/:grantId', async (req, res) => {
    const grant = await options.granting.getGrant(req.params.grantId);
    res.json(toGrant(grant, await options.appLcmBase()));
  });
  router.use(methodNotAllowed(spec));
  return router;
}
