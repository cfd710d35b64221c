import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { EntitySnapshotDiff } from './EntitySnapshotDiff';
import { MecApiClient } from './MecApiClient';
import { mecLocation, toEntities, ToEntitiesOptions } from './toEntities';

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

/**
 * Mirrors the MEO's application packages, application instances and edge
 * hosts into the catalog. The first run applies a full mutation; later runs
 * apply only the difference to what was last emitted, so that polling costs
 * the catalog nothing while nothing changes.
 *
 * @public
 */
export class MecEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly diff = new EntitySnapshotDiff();
  private readonly client: MecApiClient;
  private readonly toEntitiesOptions: ToEntitiesOptions;
  private readonly fullSyncIntervalMs: number;
  private lastFullSync = 0;
  /** The refresh running now, if any; refreshes never overlap. */
  private running?: Promise<void>;
  /** Whether another refresh was asked for while one was running. */
  private again = false;
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
      fn: () => this.refreshQuietly(),
    });
  }

  /**
   * Asks for a refresh shortly, e.g. when the mec plugin announced a change.
   * A burst of announcements (an instantiation makes several) gives one
   * refresh; the scheduled one remains as the fallback.
   */
  refreshSoon(delayMs = 300): void {
    if (!this.connection || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.refreshQuietly();
    }, delayMs);
    this.soon.unref?.();
  }

  /** Runs {@link refresh} once at a time, logging rather than throwing. */
  private async refreshQuietly(): Promise<void> {
    if (this.running) {
      // The running refresh goes once more and reads this change too.
      this.again = true;
      await this.running;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.refresh();
        } catch (error) {
          // The next run tries again; what was emitted stays in the catalog.
          this.options.logger.warn(
            `MEC entity provider could not refresh: ${stringifyError(error)}`,
          );
        }
      } while (this.again);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * Reads the mec backend and applies a full mutation the first time (and
   * at every full sync interval), a delta mutation otherwise.
   */
  async refresh(): Promise<void> {
    if (!this.connection) {
      throw new Error('MEC entity provider is not connected');
    }
    const snapshot = await this.client.readSnapshot();
    const entities = toEntities(snapshot, this.toEntitiesOptions);
    const locationKey = mecLocation(snapshot.apiRoot);
    const deferred = (entity: Entity) => ({ entity, locationKey });

    const now = Date.now();
    if (
      !this.diff.hasBaseline ||
      now - this.lastFullSync >= this.fullSyncIntervalMs
    ) {
      await this.connection.applyMutation({
        type: 'full',
        entities: entities.map(deferred),
      });
      this.diff.replace(entities);
      this.lastFullSync = now;
      this.options.logger.info(
        `MEC entity provider applied ${entities.length} entities in full`,
      );
      return;
    }

    const { added, removed, next } = this.diff.diff(entities);
    if (added.length || removed.length) {
      await this.connection.applyMutation({
        type: 'delta',
        added: added.map(deferred),
        removed: removed.map(entityRef => ({ entityRef, locationKey })),
      });
      this.options.logger.info(
        `MEC entity provider applied a delta: ${added.length} added or changed, ${removed.length} removed`,
      );
    }
    this.diff.commit(next);
  }
}
