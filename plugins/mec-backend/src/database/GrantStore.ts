import { Knex } from 'knex';

/** A grant the MEO gave for one lifecycle operation. */
export interface GrantRecord {
  id: string;
  appInstanceId: string;
  appLcmOpOccId: string;
  operation: string;
  hostName: string;
  containerNamespace: string;
  /** The Grant as returned on granting/v1. */
  grant: Record<string, unknown>;
  createdAt: Date;
}

type Row = {
  id: string;
  app_instance_id: string;
  app_lcm_op_occ_id: string;
  operation: string;
  host_name: string;
  container_namespace: string;
  grant: string;
  created_at: Date | string;
};

/** Persistence of grants (table `grants`). */
export class GrantStore {
  static create(options: { knex: Knex }): GrantStore {
    return new GrantStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  async insert(record: GrantRecord): Promise<void> {
    await this.knex<Row>('grants').insert({
      id: record.id,
      app_instance_id: record.appInstanceId,
      app_lcm_op_occ_id: record.appLcmOpOccId,
      operation: record.operation,
      host_name: record.hostName,
      container_namespace: record.containerNamespace,
      grant: JSON.stringify(record.grant),
      created_at: record.createdAt,
    });
  }

  async get(id: string): Promise<GrantRecord | undefined> {
    const row = await this.knex<Row>('grants').where({ id }).first();
    return row
      ? {
          id: row.id,
          appInstanceId: row.app_instance_id,
          appLcmOpOccId: row.app_lcm_op_occ_id,
          operation: row.operation,
          hostName: row.host_name,
          containerNamespace: row.container_namespace,
          grant: JSON.parse(row.grant),
          createdAt: new Date(row.created_at),
        }
      : undefined;
  }
}
