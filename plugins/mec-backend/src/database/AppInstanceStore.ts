import { Knex } from 'knex';
import type {
  AppInstance,
  AppInstanceCondition,
  AppInstanceField,
  InstanceOperationalState,
  InstantiationState,
} from '../lifecycle/model';
import {
  CreationCursor,
  PageRequest,
  pageByCreation,
  whereConditions,
} from './listQueries';

type Row = {
  id: string;
  app_instance_name: string | null;
  app_instance_description: string | null;
  app_pkg_id: string;
  app_d_id: string;
  app_provider: string;
  app_name: string;
  app_soft_version: string;
  app_d_version: string;
  instantiation_state: InstantiationState;
  operational_state: InstanceOperationalState | null;
  host_name: string | null;
  namespace: string | null;
  release_name: string | null;
  operation_in_progress: string | null;
  created_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

const TABLE = 'app_instances';

const FIELD_COLUMNS: Record<AppInstanceField, string> = {
  id: 'id',
  appInstanceName: 'app_instance_name',
  appInstanceDescription: 'app_instance_description',
  appPkgId: 'app_pkg_id',
  appDId: 'app_d_id',
  appProvider: 'app_provider',
  appName: 'app_name',
  appSoftVersion: 'app_soft_version',
  appDVersion: 'app_d_version',
  instantiationState: 'instantiation_state',
  hostName: 'host_name',
  namespace: 'namespace',
  releaseName: 'release_name',
};

/** Persistence of application instances (table `app_instances`). */
export class AppInstanceStore {
  static create(options: { knex: Knex }): AppInstanceStore {
    return new AppInstanceStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  withTransaction(trx: Knex.Transaction): AppInstanceStore {
    return new AppInstanceStore(trx);
  }

  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /**
   * Lists instances, oldest first, a page at a time when asked. Conditions
   * narrow the list in SQL where SQL expresses them exactly (see
   * {@link whereConditions}); callers apply their full filter after.
   */
  async list(
    options: PageRequest<CreationCursor> & {
      conditions?: readonly AppInstanceCondition[];
    } = {},
  ): Promise<AppInstance[]> {
    const query = this.knex<Row>(TABLE).select();
    whereConditions(this.knex, query, options.conditions, FIELD_COLUMNS);
    pageByCreation(query, options);
    return (await query).map(toRecord);
  }

  async get(id: string): Promise<AppInstance | undefined> {
    const row = await this.knex<Row>(TABLE).where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  async countByPackage(appPkgId: string): Promise<number> {
    const [{ count }] = await this.knex(TABLE)
      .where({ app_pkg_id: appPkgId })
      .count({ count: '*' });
    return Number(count);
  }

  async countByHost(hostName: string): Promise<number> {
    const [{ count }] = await this.knex(TABLE)
      .where({ host_name: hostName })
      .count({ count: '*' });
    return Number(count);
  }

  async insert(record: AppInstance): Promise<void> {
    await this.knex<Row>(TABLE).insert({
      id: record.id,
      app_instance_name: record.appInstanceName ?? null,
      app_instance_description: record.appInstanceDescription ?? null,
      app_pkg_id: record.appPkgId,
      app_d_id: record.appDId,
      app_provider: record.appProvider,
      app_name: record.appName,
      app_soft_version: record.appSoftVersion,
      app_d_version: record.appDVersion,
      instantiation_state: record.instantiationState,
      operational_state: record.operationalState ?? null,
      host_name: record.hostName ?? null,
      namespace: record.namespace ?? null,
      release_name: record.releaseName ?? null,
      operation_in_progress: null,
      created_by: record.createdBy ?? null,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  /**
   * Takes the instance for an operation if it is in the expected state and
   * no other operation holds it.
   */
  async acquire(
    id: string,
    opOccId: string,
    expected: InstantiationState,
  ): Promise<boolean> {
    const count = await this.knex<Row>(TABLE)
      .where({ id, instantiation_state: expected })
      .whereNull('operation_in_progress')
      .update({ operation_in_progress: opOccId, updated_at: new Date() });
    return count > 0;
  }

  /** Releases the instance and records the operation's result. */
  async release(
    id: string,
    opOccId: string,
    result: Partial<
      Pick<
        AppInstance,
        | 'instantiationState'
        | 'operationalState'
        | 'hostName'
        | 'namespace'
        | 'releaseName'
        | 'appPkgId'
        | 'appDId'
        | 'appSoftVersion'
        | 'appDVersion'
      >
    > = {},
  ): Promise<boolean> {
    const update: Partial<Row> = {
      operation_in_progress: null,
      updated_at: new Date(),
    };
    if (result.instantiationState) {
      update.instantiation_state = result.instantiationState;
    }
    if ('operationalState' in result) {
      update.operational_state = result.operationalState ?? null;
    }
    if ('hostName' in result) update.host_name = result.hostName ?? null;
    if ('namespace' in result) update.namespace = result.namespace ?? null;
    if ('releaseName' in result) {
      update.release_name = result.releaseName ?? null;
    }
    // A completed CHANGE_APP_PKG moves the instance to its new package.
    if (result.appPkgId) update.app_pkg_id = result.appPkgId;
    if (result.appDId) update.app_d_id = result.appDId;
    if (result.appSoftVersion !== undefined) {
      update.app_soft_version = result.appSoftVersion;
    }
    if (result.appDVersion !== undefined) {
      update.app_d_version = result.appDVersion;
    }
    const count = await this.knex<Row>(TABLE)
      .where({ id, operation_in_progress: opOccId })
      .update(update);
    return count > 0;
  }

  /** Records where an operation is placing the instance, while it runs. */
  async setPlacement(
    id: string,
    placement: { hostName: string; namespace: string; releaseName: string },
  ): Promise<void> {
    await this.knex<Row>(TABLE).where({ id }).update({
      host_name: placement.hostName,
      namespace: placement.namespace,
      release_name: placement.releaseName,
      updated_at: new Date(),
    });
  }

  /**
   * Records an operational state observed on the cluster, if the instance is
   * still as last read and no operation holds it.
   */
  async recordOperationalState(
    id: string,
    previous: InstanceOperationalState | undefined,
    actual: InstanceOperationalState,
  ): Promise<boolean> {
    const count = await this.knex<Row>(TABLE)
      .where({ id, instantiation_state: 'INSTANTIATED' })
      .andWhere(q =>
        previous
          ? q.where({ operational_state: previous })
          : q.whereNull('operational_state'),
      )
      .whereNull('operation_in_progress')
      .update({ operational_state: actual, updated_at: new Date() });
    return count > 0;
  }

  /** Deletes a NOT_INSTANTIATED instance that no operation holds. */
  async delete(id: string): Promise<boolean> {
    const count = await this.knex<Row>(TABLE)
      .where({ id, instantiation_state: 'NOT_INSTANTIATED' })
      .whereNull('operation_in_progress')
      .delete();
    return count > 0;
  }
}

function toRecord(row: Row): AppInstance {
  return {
    id: row.id,
    appInstanceName: row.app_instance_name ?? undefined,
    appInstanceDescription: row.app_instance_description ?? undefined,
    appPkgId: row.app_pkg_id,
    appDId: row.app_d_id,
    appProvider: row.app_provider,
    appName: row.app_name,
    appSoftVersion: row.app_soft_version,
    appDVersion: row.app_d_version,
    instantiationState: row.instantiation_state,
    operationalState: row.operational_state ?? undefined,
    hostName: row.host_name ?? undefined,
    namespace: row.namespace ?? undefined,
    releaseName: row.release_name ?? undefined,
    operationInProgress: row.operation_in_progress ?? undefined,
    ...(row.created_by ? { createdBy: row.created_by } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
