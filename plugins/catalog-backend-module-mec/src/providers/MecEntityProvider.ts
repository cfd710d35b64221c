import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { MecChangesEventPayload } from '@helmmec/plugin-mec-common';
import { EntityDelta, EntitySnapshotDiff } from './EntitySnapshotDiff';
import { MecApiClient, MecSnapshot } from './MecApiClient';
import {
  mecLocation,
  mecSourceKey,
  mecSourceKeyOf,
  toEntities,
  ToEntitiesOptions,
} from './toEntities';

/**
 * What the {@link MecEntityProvider} needs.
 *
 * @public
 */
export interface MecEntityProviderOptions {
  logger: LoggerService;
  /** Runs the refresh; the provider starts it when it connects. */
  taskRunner: SchedulerServiceTaskRunner;
  discovery: DiscoveryService;
  auth: AuthService;
  /** Entity reference of the owner of every mirrored entity. */
  owner: string;
  /** The portal's base URL, for links to the MEC pages. */
  appBaseUrl?: string;
  /**
   * Interval after which a full mutation replaces the deltas, to repair any
   * drift (for example entities deleted by hand). Default one hour.
   */
  fullSyncIntervalMs?: number;
}

function noPendingChanges() {
  return {
    appPkgIds: new Set<string>(),
    appInstanceIds: new Set<string>(),
    hostNames: new Set<string>(),
    everything: false,
  };
}

/**
 * Mirrors the MEO's application packages, application instances and edge
 * hosts into the catalog. The first run applies a full mutation; later runs
 * apply only the difference to what was last emitted, so that polling costs
 * the catalog nothing while nothing changes. Changes the mec plugin
 * announces are read one resource at a time and applied as they come.
 *
 * @public
 */
export class MecEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly diff = new EntitySnapshotDiff(mecSourceKeyOf);
  private readonly client: MecApiClient;
  private readonly toEntitiesOptions: ToEntitiesOptions;
  private readonly fullSyncIntervalMs: number;
  private lastFullSync = 0;
  /** Refreshes run one after the other, never overlapping. */
  private queue: Promise<void> = Promise.resolve();
  /** Announced changes not read yet: source keys, or everything. */
  private pending = noPendingChanges();
  private soon?: NodeJS.Timeout;

  constructor(private readonly options: MecEntityProviderOptions) {
    this.client = new MecApiClient(options.discovery, options.auth);
    this.toEntitiesOptions = {
      owner: options.owner,
      appBaseUrl: options.appBaseUrl,
    };
    this.fullSyncIntervalMs = options.fullSyncIntervalMs ?? 60 * 60 * 1000;
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.getProviderName} */
  getProviderName(): string {
    return 'mec';
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.connect} */
  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    this.diff.reset();
    await this.options.taskRunner.run({
      id: `${this.getProviderName()}:refresh`,
      fn: () => this.enqueue('refresh', () => this.refresh()),
    });
  }

  /**
   * Takes a change the mec plugin announced and reads what it names shortly
   * after; a burst of announcements (an instantiation makes several) is read
   * together. A change that names nothing makes the next read a full one.
   */
  announce(change: MecChangesEventPayload = {}, delayMs = 300): void {
    if (!this.connection) return;
    const { pending } = this;
    if (change.appPkgId) pending.appPkgIds.add(change.appPkgId);
    if (change.appInstanceId) pending.appInstanceIds.add(change.appInstanceId);
    if (change.hostName) pending.hostNames.add(change.hostName);
    if (!change.appPkgId && !change.appInstanceId && !change.hostName) {
      pending.everything = true;
    }
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      const taken = this.pending;
      this.pending = noPendingChanges();
      void this.enqueue('apply announced changes', () =>
        taken.everything || !this.diff.hasBaseline
          ? this.refresh()
          : this.refreshSome({
              appPkgIds: [...taken.appPkgIds],
              appInstanceIds: [...taken.appInstanceIds],
              hostNames: [...taken.hostNames],
            }),
      );
    }, delayMs);
    this.soon.unref?.();
  }

  /** Runs `work` after what is queued, logging rather than throwing. */
  private enqueue(what: string, work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work).catch(error => {
      // The next run tries again; what was emitted stays in the catalog.
      this.options.logger.warn(
        `MEC entity provider could not ${what}: ${stringifyError(error)}`,
      );
    });
    this.queue = run;
    return run;
  }

  /**
   * Reads the mec backend and applies a full mutation the first time (and
   * at every full sync interval), a delta mutation otherwise.
   */
  async refresh(): Promise<void> {
    const connection = this.requireConnection();
    const snapshot = await this.client.readSnapshot();
    const entities = toEntities(snapshot, this.toEntitiesOptions);

    const now = Date.now();
    if (
      !this.diff.hasBaseline ||
      now - this.lastFullSync >= this.fullSyncIntervalMs
    ) {
      const locationKey = mecLocation(snapshot.apiRoot);
      await connection.applyMutation({
        type: 'full',
        entities: entities.map(entity => ({ entity, locationKey })),
      });
      this.diff.replace(entities);
      this.lastFullSync = now;
      this.options.logger.info(
        `MEC entity provider applied ${entities.length} entities in full`,
      );
      return;
    }
    const { next, ...delta } = this.diff.diff(entities);
    await this.applyDelta(snapshot, delta);
    this.diff.commit(next);
  }

  /** Reads only the named resources and applies what changed of them. */
  async refreshSome(ids: {
    appPkgIds: string[];
    appInstanceIds: string[];
    hostNames: string[];
  }): Promise<void> {
    this.requireConnection();
    const snapshot = await this.client.readResources(ids);
    const keys = new Set([
      ...ids.appPkgIds.map(mecSourceKey.appPackage),
      ...ids.appInstanceIds.map(mecSourceKey.appInstance),
      ...ids.hostNames.map(mecSourceKey.edgeHost),
    ]);
    const { next, ...delta } = this.diff.diffSome(
      keys,
      toEntities(snapshot, this.toEntitiesOptions),
    );
    await this.applyDelta(snapshot, delta);
    this.diff.commit(next);
  }

  private async applyDelta(snapshot: MecSnapshot, delta: EntityDelta) {
    const { added, removed } = delta;
    if (!added.length && !removed.length) return;
    const locationKey = mecLocation(snapshot.apiRoot);
    await this.requireConnection().applyMutation({
      type: 'delta',
      added: added.map(entity => ({ entity, locationKey })),
      removed: removed.map(entityRef => ({ entityRef, locationKey })),
    });
    this.options.logger.info(
      `MEC entity provider applied a delta: ${added.length} added or changed, ${removed.length} removed`,
    );
  }

  private requireConnection(): EntityProviderConnection {
    if (!this.connection) {
      throw new Error('MEC entity provider is not connected');
    }
    return this.connection;
  }
}
