import { mockServices } from '@backstage/backend-test-utils';
import type {
  DriverCallOptions,
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseRef,
  ReleaseRevision,
  ReleaseSpec,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import { Knex } from 'knex';
import { AppInstanceStore } from '../../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../../database/AppLcmOpOccStore';
import { GrantStore } from '../../database/GrantStore';
import { applyDatabaseMigrations } from '../../database/migrations';
import { GrantingService } from '../../granting/GrantingService';
import {
  createFakePackages,
  createHostDirectory,
  exampleHosts,
  FakePackages,
} from '../../granting/__testUtils__/fakes';
import type { HostDirectory } from '../../hosts/HostDirectory';
import { AppLcmNotifications } from '../../notifications/appLcm';
import { NotificationOutbox } from '../../notifications/NotificationOutbox';
import type { AppPackageService } from '../../packages/AppPackageService';
import { AppLifecycleService } from '../AppLifecycleService';
import {
  OpOccExecutor,
  OpOccExecutorDeps,
  OpOccExecutorOptions,
} from '../OpOccExecutor';
import { OperationTrigger } from '../ports';

/**
 * A driver that keeps releases in memory, with a revision history as helm
 * keeps it. `failWith` makes calls fail (a failed change is rolled back);
 * `hang` makes them wait until aborted, as a chart that never gets ready.
 */
export class InMemoryDriver implements MecEdgeDriver {
  readonly id = 'in-memory';
  readonly releases = new Map<
    string,
    {
      spec: ReleaseSpec;
      operationalState: 'STARTED' | 'STOPPED';
      revisions: ReleaseRevision[];
    }
  >();
  readonly calls: Array<{ call: string; host: string; options: object }> = [];
  failWith?: Error;
  hang = false;
  private signalCall = () => {};
  /** Resolves on the next driver call (to cancel while PROCESSING). */
  called = this.nextCall();

  private nextCall() {
    return new Promise<void>(resolve => {
      this.signalCall = resolve;
    });
  }

  private async behave(
    call: string,
    host: EdgeHostConnection,
    options: DriverCallOptions & { mode?: string },
  ) {
    this.calls.push({ call, host: host.name, options });
    const signal = this.signalCall;
    this.called = this.nextCall();
    signal();
    if (this.hang) {
      await new Promise((_, reject) => {
        options.signal?.addEventListener('abort', () =>
          reject(new Error('aborted')),
        );
      });
    }
    if (this.failWith) throw this.failWith;
  }

  private key(host: EdgeHostConnection, ref: ReleaseRef) {
    return `${host.name}/${ref.namespace}/${ref.releaseName}`;
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    await this.behave('install', host, options);
    this.releases.set(this.key(host, spec), {
      spec,
      operationalState: 'STARTED',
      revisions: [revisionOf(1, spec, 'Install complete')],
    });
    return { phase: 'deployed', operationalState: 'STARTED', workloads: [] };
  }

  /** As helm: a failure adds a failed revision and a rollback. */
  async changePackage(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    const release = this.releases.get(this.key(host, spec));
    if (!release) throw new Error(`No release ${spec.releaseName}`);
    const [current] = release.revisions;
    if (current.status === 'deployed') current.status = 'superseded';
    const next = current.revision + 1;
    try {
      await this.behave('changePackage', host, options);
    } catch (e) {
      if (options.signal?.aborted) {
        // Killed mid-upgrade: the new chart's revision failed, no rollback.
        release.revisions.unshift({
          ...revisionOf(next, spec, 'Upgrade interrupted'),
          status: 'failed',
        });
        throw e;
      }
      // Newest first: the rollback, then the failed upgrade.
      release.revisions.unshift(
        {
          ...current,
          revision: next + 1,
          status: 'deployed',
          description: `Rollback to ${current.revision}`,
        },
        { ...revisionOf(next, spec, 'Upgrade failed'), status: 'failed' },
      );
      throw new Error(
        `Upgrade failed: ${e}. Rolled back to revision ${current.revision}`,
      );
    }
    release.spec = spec;
    release.operationalState = 'STARTED';
    release.revisions.unshift(revisionOf(next, spec, 'Upgrade complete'));
    return { phase: 'deployed', operationalState: 'STARTED', workloads: [] };
  }

  async history(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseRevision[]> {
    return this.releases.get(this.key(host, ref))?.revisions ?? [];
  }

  async uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & { mode: 'GRACEFUL' | 'FORCEFUL' },
  ): Promise<void> {
    await this.behave('uninstall', host, options);
    this.releases.delete(this.key(host, ref));
  }

  async operate(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    changeStateTo: 'STARTED' | 'STOPPED',
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    await this.behave(`operate ${changeStateTo}`, host, options);
    const release = this.releases.get(this.key(host, ref));
    if (!release) throw new Error(`No release ${ref.releaseName}`);
    release.operationalState = changeStateTo;
    return {
      phase: 'deployed',
      operationalState: changeStateTo,
      workloads: [],
    };
  }

  async status(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseStatus> {
    const release = this.releases.get(this.key(host, ref));
    return release
      ? {
          phase: 'deployed',
          operationalState: release.operationalState,
          workloads: [],
        }
      : { phase: 'absent', workloads: [] };
  }
}

/**
 * Lifecycle management on real stores, with an in-memory driver, a fake
 * package service and a host directory over a list.
 */
export async function createLifecycleFixture(
  knex: Knex,
  options: {
    trigger?: OperationTrigger;
    executor?: Partial<OpOccExecutorOptions>;
    /** A real driver, hosts and packages instead of the in-memory ones. */
    driver?: MecEdgeDriver;
    hosts?: HostDirectory;
    packages?: FakePackages &
      Partial<Pick<AppPackageService, 'listAppPackages'>>;
  } = {},
) {
  await applyDatabaseMigrations(knex);
  const instances = AppInstanceStore.create({ knex });
  const opOccs = AppLcmOpOccStore.create({ knex });
  const grants = GrantStore.create({ knex });
  const notifications = new AppLcmNotifications(
    NotificationOutbox.create({ knex }),
    async () => 'http://mec.example.test/api/mec/app_lcm/v1',
  );
  const opOccStates = jest.spyOn(notifications, 'opOccState');
  const instanceStates = jest.spyOn(notifications, 'instanceState');
  const hosts = exampleHosts();
  const directory = options.hosts ?? createHostDirectory(hosts);
  const packages = options.packages ?? createFakePackages();
  const driver = new InMemoryDriver();
  const edgeDriver = options.driver ?? driver;
  const granting = new GrantingService(directory, grants, instances, packages);
  const executorDeps: OpOccExecutorDeps = {
    instances,
    opOccs,
    packages,
    granting,
    hosts: directory,
    drivers: { get: () => edgeDriver },
    notifications,
    chartRepository: {
      url: async () => 'http://mec.example.test/api/mec/helm',
      username: 'edge',
      password: 'pull',
    },
    logger: mockServices.logger.mock(),
  };
  /** Another executor on the same database, as on another replica. */
  const createExecutor = (
    executorOptions = options.executor,
    deps: Partial<OpOccExecutorDeps> = {},
  ) => new OpOccExecutor({ ...executorDeps, ...deps }, executorOptions);
  const executor = createExecutor();
  const lifecycle = new AppLifecycleService(
    instances,
    opOccs,
    {
      listAppPackages: async () => [packages.pkg],
      ...packages,
    },
    notifications,
    options.trigger ?? executor,
    executor,
  );
  return {
    instances,
    opOccs,
    grants,
    hosts,
    packages,
    driver,
    granting,
    executor,
    createExecutor,
    lifecycle,
    notifications: { opOccStates, instanceStates },
  };
}

function revisionOf(
  revision: number,
  spec: ReleaseSpec,
  description: string,
): ReleaseRevision {
  return {
    revision,
    chart: { name: spec.chart.name, version: spec.chart.version },
    status: 'deployed',
    updated: new Date().toISOString(),
    description,
  };
}
