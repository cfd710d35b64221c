import request from 'supertest';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { expectConformingResponse } from './openApiConformance';

const LCM = '/api/mec/app_lcm/v1';

/**
 * app_lcm/v1 requests for HTTP tests: `lcm` validates every response
 * against app_lcm.yaml (the operation given by its path template);
 * `settled` follows an op occurrence's Location until it is COMPLETED or
 * FAILED_TEMP. The server comes from a getter: tests start it in beforeAll.
 */
export function appLcmRequests(server: () => Parameters<typeof request>[0]) {
  async function lcm(
    method: 'get' | 'post' | 'delete',
    path: string,
    template: string,
    body?: unknown,
  ) {
    let r = request(server())[method](`${LCM}${path}`);
    if (body !== undefined) r = r.send(body as object);
    const res = await r;
    expectConformingResponse(appLcmSpec, { method, path: template }, res);
    return res;
  }

  async function settled(location: string) {
    const path = new URL(location).pathname.replace(LCM, '');
    for (let i = 0; i < 200; i++) {
      const res = await lcm('get', path, '/app_lcm_op_occs/{appLcmOpOccId}');
      if (['COMPLETED', 'FAILED_TEMP'].includes(res.body.operationState)) {
        return res.body;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error('operation did not settle');
  }

  return { lcm, settled };
}
