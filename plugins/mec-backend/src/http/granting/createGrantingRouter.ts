import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { GrantingService } from '../../granting/GrantingService';
import { spec } from '../../schema/openapi/generated/granting';
import { methodNotAllowed } from '../methodNotAllowed';
import { sendProblem } from '../problemDetails';
import { parseGrantRequest } from './fromGrantingWire';
import { toGrant } from './toGrantingWire';

/**
 * The ETSI GS MEC 010-2 granting/v1 API (clause 7.5), for any MEPM. Grants
 * are decided at once (201 with the Grant), or in asynchronous mode in the
 * background (202; GET answers 202 until decided, then 200 or 403).
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

  const location = async (id: string) =>
    `${await options.apiBase()}/grants/${encodeURIComponent(id)}`;

  router.post('/grants', async (req, res) => {
    const decision = await options.granting.request(
      parseGrantRequest(req.body),
    );
    if (decision.state === 'GRANTED') {
      res
        .status(201)
        .location(await location(decision.grant.id))
        .json(toGrant(decision.grant, await options.appLcmBase()));
      return;
    }
    res
      .status(202)
      .location(await location(decision.id))
      .end();
  });
  router.get('/grants/:grantId', async (req, res) => {
    const decision = await options.granting.getDecision(req.params.grantId);
    switch (decision.state) {
      case 'GRANTED':
        res.json(toGrant(decision.grant, await options.appLcmBase()));
        return;
      case 'PROCESSING':
        res
          .status(202)
          .location(await location(decision.id))
          .end();
        return;
      default:
        sendProblem(
          res,
          decision.refusal.status,
          decision.refusal.detail,
          req.originalUrl,
        );
    }
  });
  router.use(methodNotAllowed(spec));
  return router;
}
