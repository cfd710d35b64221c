import {
  MecServer,
  actionContext,
  initiatorToken,
} from '../__testUtils__/mecServer';
import { createCreateInstanceAction } from './createInstance';

describe('mec:instance:create', () => {
  const mec = new MecServer();
  beforeAll(() => mec.start());
  afterAll(() => mec.stop());
  beforeEach(() => mec.reset());

  const action = () => createCreateInstanceAction({ client: mec.client() });

  it('creates the instance as the user running the template', async () => {
    mec.on('POST app_lcm/v1/app_instances', {
      status: 201,
      body: {
        id: '7d1f3a52-0000-4000-8000-000000000001',
        appDId: 'appd-1',
        appName: 'video-analytics',
        appInstanceName: 'Cam West',
        instantiationState: 'NOT_INSTANTIATED',
      },
    });
    const { ctx } = actionContext({
      appDId: 'appd-1',
      name: 'Cam West',
      description: 'from a template',
    });

    await action().handler(ctx);

    expect(mec.requests).toHaveLength(1);
    expect(mec.requests[0].authorization).toBe(initiatorToken);
    expect(JSON.parse(mec.requests[0].body.toString())).toEqual({
      appDId: 'appd-1',
      appInstanceName: 'Cam West',
      appInstanceDescription: 'from a template',
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'appInstanceId',
      '7d1f3a52-0000-4000-8000-000000000001',
    );
    // The name the catalog module gives the instance's entity.
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'mecappinstance:default/cam-west-7d1f3a52',
    );
  });

  it('leaves out an empty name and description', async () => {
    mec.on('POST app_lcm/v1/app_instances', {
      status: 201,
      body: { id: 'abc', appDId: 'appd-1', appName: 'video-analytics' },
    });
    const { ctx } = actionContext({ appDId: 'appd-1', name: '' });

    await action().handler(ctx);

    expect(JSON.parse(mec.requests[0].body.toString())).toEqual({
      appDId: 'appd-1',
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'mecappinstance:default/video-analytics-abc',
    );
  });

  it('fails with the ProblemDetails detail of a refusal', async () => {
    mec.on('POST app_lcm/v1/app_instances', {
      status: 409,
      body: {
        title: 'Conflict',
        status: 409,
        detail: 'Application package with appDId appd-1 is DISABLED',
      },
    });
    const { ctx } = actionContext({ appDId: 'appd-1' });

    await expect(action().handler(ctx)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'Application package with appDId appd-1 is DISABLED',
      ),
    });
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('fails as not allowed when the user lacks the permission', async () => {
    mec.on('POST app_lcm/v1/app_instances', {
      status: 403,
      body: {
        title: 'Forbidden',
        status: 403,
        detail: 'mec.instance.create is not allowed',
      },
    });
    const { ctx } = actionContext({ appDId: 'appd-1' });

    await expect(action().handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('mec.instance.create is not allowed'),
    });
  });
});
