import { FluxObject, judgeHelmRelease } from './FluxDriver';

const hr = (over: {
  generation?: number;
  suspend?: boolean;
  status?: FluxObject['status'];
}): FluxObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: {
    name: 'app',
    namespace: 'edge-apps',
    generation: over.generation ?? 2,
  },
  spec: { suspend: over.suspend },
  status: over.status,
});

const ready = (observedGeneration: number) => ({
  type: 'Ready',
  status: 'True' as const,
  reason: 'InstallSucceeded',
  message: 'Helm install succeeded',
  observedGeneration,
});

describe('judgeHelmRelease', () => {
  it('does not take Ready from an older generation as success', () => {
    const v = judgeHelmRelease(
      hr({
        generation: 2,
        status: { observedGeneration: 1, conditions: [ready(1)] },
      }),
      '0.1.0',
      undefined,
    );
    expect(v.state).toBe('pending');
  });

  it('waits for the reconcile request it made', () => {
    const status = {
      observedGeneration: 2,
      lastHandledReconcileAt: 'old',
      conditions: [ready(2)],
      history: [{ chartVersion: '0.1.0', status: 'deployed' }],
    };
    expect(judgeHelmRelease(hr({ status }), '0.1.0', 'new').state).toBe(
      'pending',
    );
    expect(
      judgeHelmRelease(
        hr({ status: { ...status, lastHandledReconcileAt: 'new' } }),
        '0.1.0',
        'new',
      ).state,
    ).toBe('succeeded');
  });

  it('needs the wanted chart version deployed and no reconcile in progress', () => {
    const base = { observedGeneration: 2, conditions: [ready(2)] };
    expect(
      judgeHelmRelease(
        hr({
          status: {
            ...base,
            history: [{ chartVersion: '0.0.9', status: 'deployed' }],
          },
        }),
        '0.1.0',
        undefined,
      ).state,
    ).toBe('pending');
    expect(
      judgeHelmRelease(
        hr({
          status: {
            ...base,
            conditions: [
              ...base.conditions,
              {
                type: 'Reconciling',
                status: 'True',
                reason: 'Progressing',
                observedGeneration: 2,
              },
            ],
          },
        }),
        '0.1.0',
        undefined,
      ).state,
    ).toBe('pending');
  });

  it('fails on Stalled, failed tests or a failed release', () => {
    const stalled = judgeHelmRelease(
      hr({
        status: {
          observedGeneration: 2,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'InstallFailed',
              message: 'context deadline exceeded',
              observedGeneration: 2,
            },
            {
              type: 'Stalled',
              status: 'True',
              reason: 'RetriesExceeded',
              message: 'Failed to install after 1 attempt(s)',
              observedGeneration: 2,
            },
          ],
        },
      }),
      '0.1.0',
      undefined,
    );
    expect(stalled).toEqual({
      state: 'failed',
      message: 'RetriesExceeded: Failed to install after 1 attempt(s)',
    });
    const released = judgeHelmRelease(
      hr({
        status: {
          observedGeneration: 2,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'InstallFailed',
              observedGeneration: 2,
            },
            {
              type: 'Released',
              status: 'False',
              reason: 'InstallFailed',
              message: 'boom',
              observedGeneration: 2,
            },
          ],
        },
      }),
      '0.1.0',
      undefined,
    );
    expect(released.state).toBe('failed');
    const tests = judgeHelmRelease(
      hr({
        status: {
          observedGeneration: 2,
          conditions: [
            ready(2),
            {
              type: 'TestSuccess',
              status: 'False',
              reason: 'TestFailed',
              message: 'test pod failed',
              observedGeneration: 2,
            },
          ],
        },
      }),
      undefined,
      undefined,
    );
    expect(tests).toEqual({
      state: 'failed',
      message: 'TestFailed: test pod failed',
    });
  });

  it('keeps the last result of a suspended release', () => {
    const v = judgeHelmRelease(
      hr({
        generation: 3,
        suspend: true,
        status: { observedGeneration: 2, conditions: [ready(2)] },
      }),
      undefined,
      undefined,
    );
    expect(v.state).toBe('succeeded');
  });
});
