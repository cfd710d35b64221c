import { Knex } from 'knex';

type InstanceRow = {
  app_instance_id: string;
  mepm_name: string;
  remote_app_instance_id: string;
  created_at: Date | string;
};

type OpOccRow = {
  app_lcm_op_occ_id: string;
  app_instance_id: string;
  mepm_name: string;
  remote_app_lcm_op_occ_id: string;
  reported_failed: boolean | number;
  created_at: Date | string;
};

/** A MEO instance and the instance on a MEPM that stands for it. */
export interface RemoteInstance {
  appInstanceId: string;
  mepmName: string;
  remoteAppInstanceId: string;
}

/** A MEO op occurrence and the MEPM's op occurrence that carries it. */
export interface RemoteOpOcc {
  appLcmOpOccId: string;
  appInstanceId: string;
  mepmName: string;
  remoteAppLcmOpOccId: string;
  /**
   * The MEO's op occurrence went FAILED_TEMP since the remote one was sent
   * or retried, so executing it again is a retry (not a resume).
   */
  reportedFailed: boolean;
}

/**
 * The MEO's mapping of its instances and op occurrences to a MEPM's
 * (tables `mepm_app_instances`, `mepm_app_lcm_op_occs`).
 */
export class MepmMappingStore {
  static create(options: { knex: Knex }): MepmMappingStore {
    return new MepmMappingStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  async getInstance(
    appInstanceId: string,
  ): Promise<RemoteInstance | undefined> {
    const row = await this.knex<InstanceRow>('mepm_app_instances')
      .where({ app_instance_id: appInstanceId })
      .first();
    return row
      ? {
          appInstanceId: row.app_instance_id,
          mepmName: row.mepm_name,
          remoteAppInstanceId: row.remote_app_instance_id,
        }
      : undefined;
  }

  async insertInstance(mapping: RemoteInstance): Promise<void> {
    await this.knex<InstanceRow>('mepm_app_instances').insert({
      app_instance_id: mapping.appInstanceId,
      mepm_name: mapping.mepmName,
      remote_app_instance_id: mapping.remoteAppInstanceId,
      created_at: new Date(),
    });
  }

  /** Forgets an instance and its op occurrences (it is gone on the MEPM). */
  async deleteInstance(appInstanceId: string): Promise<void> {
    await this.knex.transaction(async trx => {
      await trx<OpOccRow>('mepm_app_lcm_op_occs')
        .where({ app_instance_id: appInstanceId })
        .delete();
      await trx<InstanceRow>('mepm_app_instances')
        .where({ app_instance_id: appInstanceId })
        .delete();
    });
  }

  async getOpOcc(appLcmOpOccId: string): Promise<RemoteOpOcc | undefined> {
    const row = await this.knex<OpOccRow>('mepm_app_lcm_op_occs')
      .where({ app_lcm_op_occ_id: appLcmOpOccId })
      .first();
    return row ? opOccOf(row) : undefined;
  }

  /** The instance's mapped op occurrences, newest first. */
  async listOpOccs(appInstanceId: string): Promise<RemoteOpOcc[]> {
    const rows = await this.knex<OpOccRow>('mepm_app_lcm_op_occs')
      .where({ app_instance_id: appInstanceId })
      .orderBy('created_at', 'desc');
    return rows.map(opOccOf);
  }

  /**
   * Records the remote op occurrence of a MEO op occurrence, replacing one
   * recorded before (a finally FAILED remote operation sent anew).
   */
  async putOpOcc(mapping: Omit<RemoteOpOcc, 'reportedFailed'>): Promise<void> {
    await this.knex<OpOccRow>('mepm_app_lcm_op_occs')
      .insert({
        app_lcm_op_occ_id: mapping.appLcmOpOccId,
        app_instance_id: mapping.appInstanceId,
        mepm_name: mapping.mepmName,
        remote_app_lcm_op_occ_id: mapping.remoteAppLcmOpOccId,
        reported_failed: false,
        created_at: new Date(),
      })
      .onConflict('app_lcm_op_occ_id')
      .merge(['remote_app_lcm_op_occ_id', 'reported_failed', 'created_at']);
  }

  async setReportedFailed(
    appLcmOpOccId: string,
    reportedFailed: boolean,
  ): Promise<void> {
    await this.knex<OpOccRow>('mepm_app_lcm_op_occs')
      .where({ app_lcm_op_occ_id: appLcmOpOccId })
      .update({ reported_failed: reportedFailed });
  }

  /** Forgets the instance's op occurrences other than `keep` (settled ones). */
  async deleteOpOccsExcept(appInstanceId: string, keep: string): Promise<void> {
    await this.knex<OpOccRow>('mepm_app_lcm_op_occs')
      .where({ app_instance_id: appInstanceId })
      .whereNot({ app_lcm_op_occ_id: keep })
      .delete();
  }
}

function opOccOf(row: OpOccRow): RemoteOpOcc {
  return {
    appLcmOpOccId: row.app_lcm_op_occ_id,
    appInstanceId: row.app_instance_id,
    mepmName: row.mepm_name,
    remoteAppLcmOpOccId: row.remote_app_lcm_op_occ_id,
    reportedFailed: Boolean(row.reported_failed),
  };
}
