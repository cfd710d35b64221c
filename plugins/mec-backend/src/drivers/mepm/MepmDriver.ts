import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { isError } from '@backstage/errors';
import type {
  ApplicationRef,
  DriverCallOptions,
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseRef,
  ReleaseRevision,
  ReleaseSpec,
  ReleaseStatus,
  StopOptions,
} from '@helmmec/plugin-mec-node';
import type { MepmDirectory, MepmPeer } from '../../mepms/model';
import type { MepmNotificationHub } from '../../mepms/MepmNotificationHub';
import {
  MecApiError,
  MecApiResponse,
  MecApiUnreachableError,
} from '../../outbound/MecApiClient';
import { Deadline } from '../Deadline';
import { MepmMappingStore } from './MepmMappingStore';

const LCM = 'app_lcm/v1';

type OperationState =
  | 'STARTING'
  | 'PROCESSING'
  | 'COMPLETED'
  | 'FAILED_TEMP'
  | 'FAILED';

/** The fields of a MEPM's AppLcmOpOcc the driver reads. */
interface RemoteOpOccInfo {
  id: string;
  operationState: OperationState;
  lcmOperation: string;
  error?: { title?: string; detail?: string };
}

/** The fields of a MEPM's AppInstanceInfo the driver reads. */
interface RemoteInstanceInfo {
  id: string;
  instantiationState: 'NOT_INSTANTIATED' | 'INSTANTIATED';
  instantiatedAppState?: { operationalState: 'STARTED' | 'STOPPED' };
}

const IN_FLIGHT: OperationState[] = ['STARTING', 'PROCESSING'];

/** Tunables of {@link MepmDriver}. */
export interface MepmDriverOptions {
  /**
   * How long a MEPM may stay unreachable before the operation at hand ends
   * with an error (`mec.mepms.unreachableSeconds`).
   */
  unreachableMs: number;
  /**
   * How long to wait for a notification of a MEPM's op occurrence before
   * reading it again: notifications are a shortcut, polling the fallback.
   */
  pollIntervalMs: number;
  /** How long a forwarded cancel is given to settle on the MEPM. */
  cancelSettleMs: number;
}

const DEFAULTS: MepmDriverOptions = {
  unreachableMs: 30_000,
  pollIntervalMs: 5_000,
  cancelSettleMs: 10_000,
};

/** Dependencies of {@link MepmDriver}. */
export interface MepmDriverDeps {
  mepms: MepmDirectory;
  hub: MepmNotificationHub;
  mappings: MepmMappingStore;
  logger: LoggerService;
}

/** What one driver call works with. */
interface Call {
  peer: MepmPeer;
  app: ApplicationRef;
  deadline: Deadline;
  onProgress?: (message: string) => void;
}

/**
 * The `mepm` edge driver (ETSI GS MEC 010-2, Mm3): an instance the MEO
 * places on a host that a MEPM reported is created and operated through
 * that MEPM's app_lcm. The MEO's instance and op occurrences map to the
 * MEPM's (MepmMappingStore), recorded before anything depends on them, so
 * that a resumed operation waits for what it sent instead of sending it
 * again; a retry, cancel or fail of the MEO's op occurrence is forwarded
 * to the MEPM's. The driver waits for the MEPM's op occurrence to settle,
 * woken by its notifications and reading it again after a gap.
 */
export class MepmDriver implements MecEdgeDriver {
  readonly id = 'mepm';

  /** Reads `mec.mepms.unreachableSeconds`. */
  static fromConfig(
    config: Config,
    deps: MepmDriverDeps,
    options: Partial<Omit<MepmDriverOptions, 'unreachableMs'>> = {},
  ): MepmDriver {
    const seconds = config.getOptionalNumber('mec.mepms.unreachableSeconds');
    return new MepmDriver(deps, {
      ...options,
      ...(seconds !== undefined ? { unreachableMs: seconds * 1000 } : {}),
    });
  }

  private readonly options: MepmDriverOptions;

  constructor(
    private readonly deps: MepmDriverDeps,
    options: Partial<MepmDriverOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    return this.run(host, spec, options, async call => {
      const remoteId = await this.ensureInstance(call);
      await this.execute(call, {
        path: `${LCM}/app_instances/${remoteId}/instantiate`,
        body: {
          // The MEO granted this host; the MEPM places there.
          selectedMECHostInfo: [
            { hostName: host.name, hostId: { name: host.name } },
          ],
          additionalParams: spec.values,
        },
      });
      return this.statusOf(call, remoteId);
    });
  }

  async operate(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    changeStateTo: 'STARTED' | 'STOPPED',
    options: DriverCallOptions & StopOptions,
  ): Promise<ReleaseStatus> {
    return this.run(host, ref, options, async call => {
      const remoteId = await this.existingInstance(call);
      await this.execute(call, {
        path: `${LCM}/app_instances/${remoteId}/operate`,
        body: {
          changeStateTo,
          ...(options.stopType ? { stopType: options.stopType } : {}),
          ...(options.gracefulStopTimeout !== undefined
            ? { gracefulStopTimeout: options.gracefulStopTimeout }
            : {}),
        },
      });
      return this.statusOf(call, remoteId);
    });
  }

  async changePackage(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    return this.run(host, spec, options, async call => {
      const remoteId = await this.existingInstance(call);
      await this.execute(call, {
        path: `${LCM}/app_instances/${remoteId}/change_app_pkg`,
        body: {
          appDId: call.app.targetAppDId ?? call.app.appDId,
          additionalParams: spec.values,
        },
      });
      return this.statusOf(call, remoteId);
    });
  }

  /**
   * TERMINATE on the MEPM (when its instance is instantiated), then the
   * MEPM's instance is deleted and forgotten; absent is success. Operations
   * the MEO gave up on (a failed INSTANTIATE being removed) are marked
   * failed there first, so that the MEPM frees and cleans up its instance.
   */
  async uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & {
      mode: 'GRACEFUL' | 'FORCEFUL';
      gracefulTerminationTimeout?: number;
    },
  ): Promise<void> {
    await this.run(host, ref, options, async call => {
      const { mappings } = this.deps;
      const mapped = await mappings.getInstance(call.app.appInstanceId);
      if (!mapped) return;
      for (const earlier of await mappings.listOpOccs(call.app.appInstanceId)) {
        if (earlier.appLcmOpOccId === call.app.appLcmOpOccId) continue;
        await this.giveUp(call, earlier.remoteAppLcmOpOccId);
      }
      const remoteId = mapped.remoteAppInstanceId;
      const info = await this.instanceInfo(call, remoteId);
      const sent =
        call.app.appLcmOpOccId &&
        (await mappings.getOpOcc(call.app.appLcmOpOccId));
      if (info && (info.instantiationState === 'INSTANTIATED' || sent)) {
        await this.execute(call, {
          path: `${LCM}/app_instances/${remoteId}/terminate`,
          body: {
            terminationType: options.mode,
            ...(options.gracefulTerminationTimeout !== undefined
              ? {
                  gracefulTerminationTimeout:
                    options.gracefulTerminationTimeout,
                }
              : {}),
          },
        });
      }
      if (info) {
        await this.send(call, 'DELETE', `${LCM}/app_instances/${remoteId}`, {
          absentOk: true,
        });
      }
      await mappings.deleteInstance(call.app.appInstanceId);
    });
  }

  async status(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseStatus> {
    return this.run(host, ref, { timeoutSeconds: 60 }, async call => {
      const mapped = await this.deps.mappings.getInstance(
        call.app.appInstanceId,
      );
      if (!mapped) return { phase: 'absent', workloads: [] };
      return this.statusOf(call, mapped.remoteAppInstanceId);
    });
  }

  /** The MEPM's revisions of its instance (our extension `revisions`). */
  async history(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseRevision[]> {
    return this.run(host, ref, { timeoutSeconds: 60 }, async call => {
      const mapped = await this.deps.mappings.getInstance(
        call.app.appInstanceId,
      );
      if (!mapped) return [];
      const res = await this.send<WireRevision[]>(
        call,
        'GET',
        `${LCM}/app_instances/${mapped.remoteAppInstanceId}/revisions`,
        { absentOk: true },
      );
      return (res?.body ?? []).map(r => ({
        revision: r.revision,
        chart: { name: r.chartName, version: r.chartVersion },
        ...(r.appVersion ? { appVersion: r.appVersion } : {}),
        status: r.status,
        ...(r.updated ? { updated: isoOf(r.updated) } : {}),
        ...(r.description ? { description: r.description } : {}),
      }));
    });
  }

  /** Marks the MEPM's op occurrence of a given-up operation failed. */
  async failOperation(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<void> {
    await this.run(host, ref, { timeoutSeconds: 60 }, async call => {
      if (!call.app.appLcmOpOccId) return;
      const mapped = await this.deps.mappings.getOpOcc(call.app.appLcmOpOccId);
      if (mapped) await this.giveUp(call, mapped.remoteAppLcmOpOccId);
    });
  }

  /**
   * One driver call: finds the MEPM of the host, and turns what went wrong
   * into a readable error naming the MEPM. A call that fails (but was not
   * merely interrupted by this replica stopping) leaves its MEO op
   * occurrence FAILED_TEMP, so its next execution is a retry.
   */
  private async run<T>(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions,
    body: (call: Call) => Promise<T>,
  ): Promise<T> {
    const app = ref.application;
    if (!app) {
      throw new Error(
        `The mepm driver needs the application instance of release ${ref.releaseName}`,
      );
    }
    const peer = await this.deps.mepms.mepmOfHost(host.name);
    if (!peer) {
      throw new Error(
        `Edge host ${host.name} is not managed by any registered MEPM`,
      );
    }
    const call: Call = {
      peer,
      app,
      deadline: Deadline.forCall(
        `${app.lcmOperation ?? 'The call'} of ${app.appInstanceId} on MEPM ${
          peer.name
        }`,
        options,
      ),
      onProgress: options.onProgress,
    };
    try {
      return await body(call);
    } catch (error) {
      const { signal } = options;
      const interrupted =
        signal?.aborted && !isCancel(signal.reason as unknown);
      if (app.appLcmOpOccId && !interrupted) {
        await this.deps.mappings
          .setReportedFailed(app.appLcmOpOccId, true)
          .catch(() => undefined);
      }
      if (error instanceof MecApiError) {
        throw new Error(
          `MEPM ${peer.name}: ${error.problem.detail ?? error.message}`,
        );
      }
      throw error;
    }
  }

  /** The MEPM's instance for the MEO's, created (and recorded) if need be. */
  private async ensureInstance(call: Call): Promise<string> {
    const { mappings } = this.deps;
    const { app, peer } = call;
    const mapped = await mappings.getInstance(app.appInstanceId);
    if (mapped) {
      if (mapped.mepmName !== peer.name) {
        throw new Error(
          `Application instance ${app.appInstanceId} is held by MEPM ${mapped.mepmName}, not ${peer.name}`,
        );
      }
      return mapped.remoteAppInstanceId;
    }
    const res = await this.send<{ id: string }>(
      call,
      'POST',
      `${LCM}/app_instances`,
      {
        body: {
          appDId: app.appDId,
          ...(app.appInstanceName
            ? { appInstanceName: app.appInstanceName }
            : {}),
          ...(app.appInstanceDescription
            ? { appInstanceDescription: app.appInstanceDescription }
            : {}),
        },
      },
    );
    const remoteId = res!.body.id;
    // Recorded before the instantiation is sent: a resumed INSTANTIATE
    // finds it and never creates a second instance.
    await mappings.insertInstance({
      appInstanceId: app.appInstanceId,
      mepmName: peer.name,
      remoteAppInstanceId: remoteId,
    });
    call.onProgress?.(`created instance ${remoteId} on MEPM ${peer.name}`);
    return remoteId;
  }

  private async existingInstance(call: Call): Promise<string> {
    const mapped = await this.deps.mappings.getInstance(call.app.appInstanceId);
    if (!mapped) {
      throw new Error(
        `MEPM ${call.peer.name} holds no instance for application instance ${call.app.appInstanceId}`,
      );
    }
    return mapped.remoteAppInstanceId;
  }

  /**
   * Has the MEPM carry out the operation at hand and waits until it
   * settles. An operation sent before (the mapping says so) is not sent
   * again: a resumed one waits for it, mirroring a failure it missed; a
   * retried one retries it there (FAILED_TEMP) or sends it anew (FAILED).
   * Calls outside an op occurrence (a release removed or put back) are
   * sent and awaited without a mapping.
   */
  private async execute(
    call: Call,
    request: { path: string; body: unknown },
  ): Promise<void> {
    const { mappings } = this.deps;
    const { app, peer } = call;
    const opOccId = app.appLcmOpOccId;
    let remoteOpOccId: string | undefined;
    const mapped = opOccId ? await mappings.getOpOcc(opOccId) : undefined;
    if (mapped) {
      const occ = await this.opOccInfo(call, mapped.remoteAppLcmOpOccId);
      if (
        occ?.operationState === 'FAILED_TEMP' ||
        occ?.operationState === 'FAILED'
      ) {
        // Not yet seen by the MEO (it was resumed): its op occurrence
        // mirrors the failure first; only a retry of it goes on.
        if (!mapped.reportedFailed) throw failureOf(peer, occ);
        if (occ.operationState === 'FAILED_TEMP') {
          await this.send(
            call,
            'POST',
            `${LCM}/app_lcm_op_occs/${occ.id}/retry`,
          );
          call.onProgress?.(`retrying ${occ.id} on MEPM ${peer.name}`);
          remoteOpOccId = occ.id;
        }
      } else if (occ) {
        remoteOpOccId = occ.id;
      }
      if (remoteOpOccId) await mappings.setReportedFailed(opOccId!, false);
    }
    if (!remoteOpOccId) {
      const res = await this.send(call, 'POST', request.path, {
        body: request.body,
      });
      remoteOpOccId = opOccIdOf(res!.headers.get('location'), peer);
      if (opOccId) {
        await mappings.putOpOcc({
          appLcmOpOccId: opOccId,
          appInstanceId: app.appInstanceId,
          mepmName: peer.name,
          remoteAppLcmOpOccId: remoteOpOccId,
        });
        // The instance's earlier operations have settled.
        await mappings.deleteOpOccsExcept(app.appInstanceId, opOccId);
      }
      call.onProgress?.(`sent as ${remoteOpOccId} to MEPM ${peer.name}`);
    }
    const occ = await this.settle(call, remoteOpOccId);
    if (occ.operationState !== 'COMPLETED') throw failureOf(peer, occ);
  }

  /**
   * Waits until the MEPM's op occurrence is COMPLETED, FAILED_TEMP or
   * FAILED: woken by its notifications, reading it again after a gap. A
   * cancel of the MEO's op occurrence is forwarded; this replica stopping
   * leaves the MEPM's operation running, for whoever resumes.
   */
  private async settle(
    call: Call,
    remoteOpOccId: string,
  ): Promise<RemoteOpOccInfo> {
    const { deadline, peer } = call;
    let last: OperationState | undefined;
    for (;;) {
      // Listening before reading: a notification that arrives while the
      // read is under way still wakes the wait after it.
      const stopListening = new AbortController();
      const woken = this.deps.hub.waitForChange(
        peer.name,
        remoteOpOccId,
        Math.max(
          1,
          Math.min(this.options.pollIntervalMs, deadline.remainingMs()),
        ),
        deadline.signal
          ? AbortSignal.any([deadline.signal, stopListening.signal])
          : stopListening.signal,
      );
      try {
        deadline.check();
        const occ = await this.opOccInfo(call, remoteOpOccId);
        if (!occ) {
          throw new Error(
            `MEPM ${peer.name} no longer has op occurrence ${remoteOpOccId}`,
          );
        }
        if (occ.operationState !== last) {
          last = occ.operationState;
          call.onProgress?.(`${remoteOpOccId} on MEPM ${peer.name}: ${last}`);
        }
        if (!IN_FLIGHT.includes(occ.operationState)) return occ;
        if (deadline.expired()) {
          throw deadline.timeoutError(
            `operation ${remoteOpOccId} on MEPM ${peer.name} is ${occ.operationState}`,
          );
        }
        await woken;
      } catch (error) {
        if (!deadline.aborted()) throw error;
        if (isCancel(deadline.signal?.reason)) {
          await this.forwardCancel(call, remoteOpOccId);
        }
        throw deadline.abortError();
      } finally {
        stopListening.abort();
      }
    }
  }

  /**
   * POST …/cancel on the MEPM's op occurrence, then a short wait for it to
   * settle. Best effort: the MEO's op occurrence goes FAILED_TEMP anyway,
   * and a retry finds whatever the MEPM's became.
   */
  private async forwardCancel(call: Call, remoteOpOccId: string) {
    const { peer } = call;
    const settleBy = Date.now() + this.options.cancelSettleMs;
    try {
      const quick = {
        ...call,
        deadline: Deadline.forCall('Cancel', {
          timeoutSeconds: this.options.cancelSettleMs / 1000,
        }),
      };
      await this.send(
        quick,
        'POST',
        `${LCM}/app_lcm_op_occs/${remoteOpOccId}/cancel`,
        {
          body: { CancelMode: 'GRACEFUL' },
          unreachableMs: this.options.cancelSettleMs,
        },
      );
      while (Date.now() < settleBy) {
        const occ = await this.opOccInfo(quick, remoteOpOccId);
        if (!occ || !IN_FLIGHT.includes(occ.operationState)) return;
        await this.deps.hub.waitForChange(
          peer.name,
          remoteOpOccId,
          Math.min(500, Math.max(1, settleBy - Date.now())),
        );
      }
    } catch (error) {
      this.deps.logger.warn(
        `Could not cancel operation ${remoteOpOccId} on MEPM ${peer.name}: ${
          isError(error) ? error.message : String(error)
        }`,
      );
    }
  }

  /**
   * Ends a MEPM's op occurrence that the MEO gave up on: FAILED_TEMP is
   * marked failed (in flight is cancelled first); settled ones stay.
   */
  private async giveUp(call: Call, remoteOpOccId: string): Promise<void> {
    const { peer } = call;
    let occ = await this.opOccInfo(call, remoteOpOccId);
    if (occ && IN_FLIGHT.includes(occ.operationState)) {
      await this.send(
        call,
        'POST',
        `${LCM}/app_lcm_op_occs/${remoteOpOccId}/cancel`,
        { body: { CancelMode: 'GRACEFUL' } },
      ).catch(error => {
        // Settled meanwhile: read below.
        if (!(error instanceof MecApiError && error.problem.status === 409)) {
          throw error;
        }
      });
      occ = await this.settle(call, remoteOpOccId);
    }
    if (occ?.operationState === 'FAILED_TEMP') {
      await this.send(
        call,
        'POST',
        `${LCM}/app_lcm_op_occs/${remoteOpOccId}/fail`,
      );
      call.onProgress?.(`marked ${remoteOpOccId} failed on MEPM ${peer.name}`);
    }
  }

  private async opOccInfo(
    call: Call,
    remoteOpOccId: string,
  ): Promise<RemoteOpOccInfo | undefined> {
    const res = await this.send<RemoteOpOccInfo>(
      call,
      'GET',
      `${LCM}/app_lcm_op_occs/${remoteOpOccId}`,
      { absentOk: true },
    );
    return res?.body;
  }

  private async instanceInfo(
    call: Call,
    remoteInstanceId: string,
  ): Promise<RemoteInstanceInfo | undefined> {
    const res = await this.send<RemoteInstanceInfo>(
      call,
      'GET',
      `${LCM}/app_instances/${remoteInstanceId}`,
      { absentOk: true },
    );
    return res?.body;
  }

  /** The MEPM's instance as a release status. */
  private async statusOf(
    call: Call,
    remoteInstanceId: string,
  ): Promise<ReleaseStatus> {
    const info = await this.instanceInfo(call, remoteInstanceId);
    if (!info || info.instantiationState !== 'INSTANTIATED') {
      return { phase: 'absent', workloads: [] };
    }
    return {
      phase: 'deployed',
      ...(info.instantiatedAppState
        ? { operationalState: info.instantiatedAppState.operationalState }
        : {}),
      workloads: [],
    };
  }

  /**
   * One request to the MEPM. While it is unreachable the request is
   * repeated, up to `unreachableMs`; then the error says so. 404 is
   * `undefined` when `absentOk`.
   */
  private async send<T = unknown>(
    call: Call,
    method: string,
    path: string,
    options: {
      body?: unknown;
      absentOk?: boolean;
      unreachableMs?: number;
    } = {},
  ): Promise<MecApiResponse<T> | undefined> {
    const { peer, deadline } = call;
    const bound = options.unreachableMs ?? this.options.unreachableMs;
    let since: number | undefined;
    for (;;) {
      try {
        return await peer.client.request<T>(method, path, {
          ...(options.body !== undefined ? { body: options.body } : {}),
          signal: deadline.signal,
        });
      } catch (error) {
        if (
          options.absentOk &&
          error instanceof MecApiError &&
          error.problem.status === 404
        ) {
          return undefined;
        }
        const unreachable =
          error instanceof MecApiUnreachableError ||
          (error instanceof MecApiError &&
            [502, 503, 504].includes(error.problem.status));
        if (!unreachable || deadline.aborted()) throw error;
        since ??= Date.now();
        if (Date.now() - since >= bound || deadline.expired()) {
          throw new Error(
            `MEPM ${peer.name} is unreachable: ${
              error instanceof MecApiUnreachableError
                ? error.cause.message
                : error.message
            }`,
          );
        }
        await deadline.sleep(Math.min(500, bound));
      }
    }
  }
}

/** AppInstanceRevision (our extension) on the wire. */
interface WireRevision {
  revision: number;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  status: string;
  /** ETSI TimeStamp. */
  updated?: { seconds: number; nanoSeconds: number };
  description?: string;
}

function isoOf(stamp: { seconds: number; nanoSeconds: number }): string {
  return new Date(
    stamp.seconds * 1000 + Math.floor(stamp.nanoSeconds / 1e6),
  ).toISOString();
}

/** A cancel of the op occurrence, not this replica letting go of it. */
function isCancel(reason: unknown): boolean {
  return isError(reason) && reason.name === 'JobCancelledError';
}

function failureOf(peer: MepmPeer, occ: RemoteOpOccInfo): Error {
  const why = occ.error?.detail ?? occ.error?.title;
  return new Error(
    `MEPM ${peer.name}: operation ${occ.id} is ${occ.operationState}${
      why ? `: ${why}` : ''
    }`,
  );
}

/** The op occurrence id at the end of the Location a task answered with. */
function opOccIdOf(location: string | null, peer: MepmPeer): string {
  const id = location
    ? /\/app_lcm_op_occs\/([^/?#]+)\/?$/.exec(
        new URL(location, 'http://x').pathname,
      )?.[1]
    : undefined;
  if (!id) {
    throw new Error(
      `MEPM ${peer.name} accepted the operation without the Location of its op occurrence`,
    );
  }
  return decodeURIComponent(id);
}
