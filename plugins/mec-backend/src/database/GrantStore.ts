import { Knex } from 'knex';
import type {
  Grant,
  GrantedOperation,
  GrantedResource,
} from '../granting/model';

type Row = {
  id: string;
  app_instance_id: string;
  app_lcm_op_occ_id: string;
  operation: GrantedOperation;
  host_name: string;
  container_namespace: string;
  /** JSON: what the grant adds besides its host and namespace. */
  grant: string;
  created_at: Date | string;
};

type GrantDetails = { addedResources: GrantedResource[] };

/** Persistence of grants (table `grants`). */
export class GrantStore {
  static create(options: { knex: Knex }): GrantStore {
    return new GrantStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  async insert(grant: Grant): Promise<void> {
    const details: GrantDetails = { addedResources: grant.addedResources };
    await this.knex<Row>('grants').insert({
      id: grant.id,
      app_instance_id: grant.appInstanceId,
      app_lcm_op_occ_id: grant.appLcmOpOccId,
      operation: grant.operation,
      host_name: grant.hostName,
      container_namespace: grant.containerNamespace,
      grant: JSON.stringify(details),
      created_at: grant.createdAt,
    });
  }

  /**
   * Deletes grants created before `before`, except those of an op
   * occurrence that may still act on them (STARTING, PROCESSING, or
   * FAILED_TEMP and so retried with its grant).
   *
   * @returns how many were deleted
   */
  async deleteSettledBefore(before: Date): Promise<number> {
    return this.knex<Row>('grants')
      .where('created_at', '<', before)
      .whereNotExists(live =>
        live
          .select(this.knex.raw('1'))
          .from('app_lcm_op_occs as o')
          .whereIn('o.operation_state', [
            'STARTING',
            'PROCESSING',
            'FAILED_TEMP',
          ])
          .where(refers =>
            refers
              .whereRaw('o.id = grants.app_lcm_op_occ_id')
              .orWhereRaw('o.grant_id = grants.id'),
          ),
      )
      .delete();
  }

  async get(id: string): Promise<Grant | undefined> {
    const row = await this.knex<Row>('grants').where({ id }).first();
    if (!row) return undefined;
    const details: GrantDetails = JSON.parse(row.grant);
    return {
      id: row.id,
      appInstanceId: row.app_instance_id,
      appLcmOpOccId: row.app_lcm_op_occ_id,
      operation: row.operation,
      hostName: row.host_name,
      containerNamespace: row.container_namespace,
      addedResources: details.addedResources ?? [],
      createdAt: new Date(row.created_at),
    };
  }
}
