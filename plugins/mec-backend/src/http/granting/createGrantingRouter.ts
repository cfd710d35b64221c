import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { GrantRecord } from '../../database/GrantStore';
import { GrantingService } from '../../granting/GrantingService';
import { spec } from '../../schema/openapi/generated/granting';
import { methodNotAllowed } from '../methodNotAllowed';

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
  const toGrant = async (record: GrantRecord) => {
    const lcm = await options.appLcmBase();
    return {
      ...record.grant,
      _links: {
        appLcmOpOcc: { href: `${lcm}/app_lcm_op_occs/${record.appLcmOpOccId}` },
        appInstance: { href: `${lcm}/app_instances/${record.appInstanceId}` },
      },
    };
  };

  router.post('/grants', async (req, res) => {
    const record = await options.granting.grant({
      appInstanceId: req.body.appInstanceId,
      appLcmOpOccId: req.body.appLcmOpOccId,
      appDId: req.body.appDId,
      operation: req.body.operation,
      selectedMECHostInfo: (req.body.additionalParams as any)
        ?.selectedMECHostInfo,
      locationConstraints: (req.body.additionalParams as any)
        ?.locationConstraints,
    });
    res
      .status(201)
      .location(`${await options.apiBase()}/grants/${record.id}`)
      .json((await toGrant(record)) as any);
  });
  router.get('/grants/:grantId', async (req, res) => {
    res.json(
      (await toGrant(
        await options.granting.getGrant(req.params.grantId),
      )) as any,
    );
  });
  router.use(methodNotAllowed(spec));
  return router;
}
