import {
  hostReachabilityMessage,
  instanceEntityRef,
  opOccOutcomeMessage,
} from './messages';
import { toRoleEntityRef } from './PortalNotifier';

const instance = {
  id: '0c8f4a9e-3b1d-4c55-9f0e-6a7b8c9d0e1f',
  appInstanceName: 'Video Demo',
  appName: 'video-analytics',
  appSoftVersion: '0.2.0',
  hostName: 'edge-1',
  createdBy: 'user:default/jane',
};

const opOcc = (
  operationState: string,
  command: any,
  extra: { requestedBy?: string; error?: { title?: string } } = {},
) => ({ id: 'op-1', operationState, command, ...extra });

describe('opOccOutcomeMessage', () => {
  it('names each operation and outcome, with its severity', () => {
    const cases: Array<[string, object, string, string]> = [
      [
        'COMPLETED',
        { lcmOperation: 'INSTANTIATE' },
        'Instantiation',
        'completed',
      ],
      ['FAILED_TEMP', { lcmOperation: 'TERMINATE' }, 'Termination', 'failed'],
      [
        'FAILED',
        { lcmOperation: 'OPERATE', changeStateTo: 'STARTED' },
        'Start',
        'failed for good',
      ],
      [
        'ROLLED_BACK',
        { lcmOperation: 'CHANGE_APP_PKG' },
        'Package change',
        'failed and was rolled back',
      ],
      [
        'COMPLETED',
        { lcmOperation: 'OPERATE', changeStateTo: 'STOPPED' },
        'Stop',
        'completed',
      ],
    ];
    const severities = cases.map(([state, command, name, phrase]) => {
      const message = opOccOutcomeMessage(instance, opOcc(state, command))!;
      expect(message.payload.title).toBe(`${name} of 'Video Demo' ${phrase}`);
      return message.payload.severity;
    });
    expect(severities).toEqual([
      'normal',
      'high',
      'critical',
      'high',
      'normal',
    ]);
  });

  it('tells nothing of states on the way', () => {
    for (const state of ['STARTING', 'PROCESSING']) {
      expect(
        opOccOutcomeMessage(
          instance,
          opOcc(state, { lcmOperation: 'TERMINATE' }),
        ),
      ).toBeUndefined();
    }
  });

  it('goes to the user who asked, the creator and the instance entity, each once', () => {
    const ref = instanceEntityRef(instance);
    expect(ref).toBe('mecappinstance:default/video-demo-0c8f4a9e');
    const recipients = (requestedBy?: string, createdBy?: string) =>
      opOccOutcomeMessage(
        { ...instance, createdBy },
        opOcc('COMPLETED', { lcmOperation: 'INSTANTIATE' }, { requestedBy }),
      )!.recipients;
    expect(recipients('user:default/bob', 'user:default/jane')).toEqual([
      'user:default/bob',
      'user:default/jane',
      ref,
    ]);
    expect(recipients('user:default/jane', 'user:default/jane')).toEqual([
      'user:default/jane',
      ref,
    ]);
    // Services are nobody to tell; the catalog owner still hears.
    expect(recipients('service:external:oss', 'service:external:oss')).toEqual([
      ref,
    ]);
    expect(recipients(undefined, undefined)).toEqual([ref]);
  });

  it('says why in our own words, and what to do next', () => {
    const message = opOccOutcomeMessage(
      instance,
      opOcc(
        'FAILED_TEMP',
        { lcmOperation: 'INSTANTIATE' },
        { error: { title: 'No edge host fits' } },
      ),
    )!;
    expect(message.payload.description).toBe(
      'MEC application video-analytics 0.2.0 on edge host edge-1. No edge host fits. Retry it or give it up on the instance page.',
    );
    expect(message.payload.link).toBe(`/mec/instances/${instance.id}`);
    expect(message.payload.topic).toBe('mec:instance:video-demo-0c8f4a9e');
    expect(message.payload.scope).toBe('mec:app-lcm-op-occ:op-1');
  });
});

describe('hostReachabilityMessage', () => {
  it('tells platform admins in fixed words', () => {
    const admins = ['group:default/helmmec-maintainers'];
    expect(
      hostReachabilityMessage({ hostName: 'edge-1', reachable: true }, admins),
    ).toEqual({
      recipients: admins,
      payload: {
        title: 'Edge host edge-1 is reachable again',
        description:
          'Its Kubernetes API answers health checks again; placement considers it again.',
        severity: 'normal',
        link: '/mec/hosts/edge-1',
        topic: 'mec:edge-host:edge-1',
        scope: 'mec:edge-host-reachability:edge-1',
        metadata: { hostName: 'edge-1', reachable: true },
      },
    });
    expect(
      hostReachabilityMessage({ hostName: 'edge-1', reachable: false }, admins)
        ?.payload.severity,
    ).toBe('high');
  });

  it('tells nobody without platform admins', () => {
    expect(
      hostReachabilityMessage({ hostName: 'edge-1', reachable: false }, []),
    ).toBeUndefined();
  });
});

describe('toRoleEntityRef', () => {
  it('reads role members as the permission policy does', () => {
    expect(toRoleEntityRef('helmmec-maintainers')).toBe(
      'group:default/helmmec-maintainers',
    );
    expect(toRoleEntityRef('user:jane')).toBe('user:default/jane');
    expect(toRoleEntityRef('Group:Ops/Edge-Admins')).toBe(
      'group:ops/edge-admins',
    );
  });
});
