import {
  MecServer,
  actionContext,
  initiatorToken,
} from '../__testUtils__/mecServer';
import { createInstantiateAction } from './instantiate';

const ID = 'c0ffee00-0000-4000-8000-000000000001';
const OCC = 'op-1';

function opOcc(operationState: string, error?: object) {
  return {
    status: 200,
    body: {
      id: OCC,
      operationState,
      lcmOperation: 'INSTANTIATE',
      stateEnteredTime: { seconds: 1, nanoSeconds: 0 },
      startTime: { seconds: 1, nanoSeconds: 0 },
      ...(error && { error }),
    },
  };
}

describe('mec:instance:instantiate', () => {
  const mec = new MecServer();
  beforeAll(() => mec.start());
  afterAll(() => mec.stop());
  beforeEach(() => {
    mec.reset();
    mec.on(`POST app_lcm/v1/app_instances/${ID}/instantiate`, {
      status: 202,
      headers: { location: `${mec.baseUrl}/app_lcm/v1/app_lcm_op_occs/${OCC}` },
    });
    mec.on(`GET app_lcm/v1/app_instances/${ID}`, {
      status: 200,
      body: {
        id: ID,
        appName: 'location-service',
        appInstanceName: 'Maps',
        instantiationState: 'INSTANTIATED',
        edgeHost: { name: 'edge-1', namespace: 'mec-c0ffee00' },
      },
    });
  });

  const action = () =>
    createInstantiateAction({
      client: mec.client(),
      poll: { intervalMs: 1 },
    });

  it('instantiates on the named host with the values and follows the op occurrence to COMPLETED', async () => {
    mec.on(
      `GET app_lcm/v1/app_lcm_op_occs/${OCC}`,
      opOcc('STARTING'),
      opOcc('PROCESSING'),
      opOcc('PROCESSING'),
      opOcc('COMPLETED'),
    );
    const { ctx, logs } = actionContext({
      appInstanceId: ID,
      edgeHost: 'edge-1',
      values: '{"replicaCount": 2, "image": {"tag": "1.2"}}',
    });

    await action().handler(ctx);

    const [instantiate] = mec.requests;
    expect(instantiate.authorization).toBe(initiatorToken);
    expect(JSON.parse(instantiate.body.toString())).toEqual({
      selectedMECHostInfo: [{ hostId: { name: 'edge-1' } }],
      additionalParams: { replicaCount: 2, image: { tag: '1.2' } },
    });
    // Each state once in the task log, however often it was read.
    expect(logs().filter(l => l.startsWith('Operation'))).toEqual([
      'Operation STARTING',
      'Operation PROCESSING',
      'Operation COMPLETED',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('appLcmOpOccId', OCC);
    expect(ctx.output).toHaveBeenCalledWith('edgeHost', 'edge-1');
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'mec-c0ffee00');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'mecappinstance:default/maps-c0ffee00',
    );
  });

  it('lets placement choose when no host is given, and takes values as an object', async () => {
    mec.on(`GET app_lcm/v1/app_lcm_op_occs/${OCC}`, opOcc('COMPLETED'));
    const { ctx } = actionContext({
      appInstanceId: ID,
      edgeHost: ' ',
      values: { replicaCount: 1 },
    });

    await action().handler(ctx);

    expect(JSON.parse(mec.requests[0].body.toString())).toEqual({
      additionalParams: { replicaCount: 1 },
    });
  });

  it('fails the task with the ETSI error of a failed operation', async () => {
    mec.on(
      `GET app_lcm/v1/app_lcm_op_occs/${OCC}`,
      opOcc('PROCESSING'),
      opOcc('FAILED_TEMP', {
        title: 'Placement failed',
        status: 409,
        detail: 'No edge host fits: edge-1: not enough free memory',
      }),
    );
    const { ctx, logs } = actionContext({ appInstanceId: ID });

    await expect(action().handler(ctx)).rejects.toThrow(
      `Instantiation of ${ID} ended FAILED_TEMP: No edge host fits: edge-1: not enough free memory (op occurrence ${OCC}; retry or give up from the instance's MEC page)`,
    );
    expect(logs()).toContain('Operation FAILED_TEMP');
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('fails with the ProblemDetails detail when the MEO refuses the request', async () => {
    mec.on(`POST app_lcm/v1/app_instances/${ID}/instantiate`, {
      status: 409,
      body: {
        title: 'Conflict',
        status: 409,
        detail: `Application instance ${ID} is already INSTANTIATED`,
      },
    });
    const { ctx } = actionContext({ appInstanceId: ID });

    await expect(action().handler(ctx)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('is already INSTANTIATED'),
    });
  });

  it('refuses values that are not a JSON object before calling the MEO', async () => {
    for (const values of ['replicaCount: 2', '[1, 2]']) {
      const { ctx } = actionContext({ appInstanceId: ID, values });
      await expect(action().handler(ctx)).rejects.toMatchObject({
        name: 'InputError',
      });
    }
    expect(mec.requests).toEqual([]);
  });

  it('stops waiting when the task is cancelled', async () => {
    const controller = new AbortController();
    // The task is cancelled while the operation is in progress.
    mec.on(`GET app_lcm/v1/app_lcm_op_occs/${OCC}`, () => {
      controller.abort();
      return opOcc('PROCESSING');
    });
    const { ctx } = actionContext({ appInstanceId: ID });
    ctx.signal = controller.signal;

    await expect(action().handler(ctx)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(ctx.output).not.toHaveBeenCalled();
  });
});
