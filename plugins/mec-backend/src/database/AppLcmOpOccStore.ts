import { Knex } from 'knex';
import { LeaseTable } from '../jobs';
import {
  openSecret,
  reencryptColumn,
  ReencryptScope,
  sealSecret,
  SecretCipher,
} from '../secrets';
import { inFlightLeases } from './inFlightLeases';
import {
  CreationCursor,
  PageRequest,
  pageByCreation,
  whereConditions,
} from './listQueries';
import type {
  AppLcmOpOcc,
  AppLcmOpOccCondition,
  AppLcmOpOccField,
  CancelMode,
  LcmCommand,
  LcmOperation,
  OperationError,
  OperationState,
} from '../lifecycle/model';

type Row = {
  id: string;
  app_instance_id: string;
  lcm_operation: LcmOperation;
  operation_state: OperationState;
  state_entered_time: Date | string;
  start_time: Date | string;
  /**
   * JSON LcmCommand, encrypted (it holds the Helm values) unless no key is
   * configured; see {@link commandContext}.
   */
  operation_params: string;
  is_cancel_pending: boolean | number;
  cancel_mode: CancelMode | null;
  error: string | null;
  grant_id: string | null;
  start_notified: boolean | number;
  claimed_until: Date | string | null;
  claim: string | null;
  requested_by: string | null;
  created_at: Date | string;
};

const TABLE = 'app_lcm_op_occs';

/** What an op occurrence's command ciphertext is bound to: its row. */
function commandContext(opOccId: string): string {
  return `app-lcm-op-occ:${opOccId}:operation_params`;
}

const FIELD_COLUMNS: Record<AppLcmOpOccField, string> = {
  id: 'id',
  appInstanceId: 'app_instance_id',
  lcmOperation: 'lcm_operation',
  operationState: 'operation_state',
};

/**
 * Persistence of op occurrences (table `app_lcm_op_occs`), with a lease so
 * that one backend replica executes each operation and another resumes it
 * after a crash.
 */
export class AppLcmOpOccStore {
  /**
   * With `cipher` (`mec.encryptionKeys`), commands are encrypted at rest:
   * INSTANTIATE carries the Helm values, which often hold secrets. Without
   * one (only under development) they are stored in clear.
   */
  static create(options: {
    knex: Knex;
    cipher?: SecretCipher;
  }): AppLcmOpOccStore {
    const leases = inFlightLeases(
      options.knex,
      TABLE,
      { state: 'operation_state', token: 'claim', until: 'claimed_until' },
      ['STARTING', 'PROCESSING'],
    );
    return new AppLcmOpOccStore(options.knex, leases, options.cipher);
  }

  private constructor(
    private readonly knex: Knex,
    /**
     * The leases of occurrences in flight (STARTING, PROCESSING): one
     * replica executes each; writes are conditional on the claim's token
     * (see {@link AppLcmOpOccStore.transition}).
     */
    readonly leases: LeaseTable,
    private readonly cipher?: SecretCipher,
  ) {}

  withTransaction(trx: Knex.Transaction): AppLcmOpOccStore {
    return new AppLcmOpOccStore(trx, this.leases, this.cipher);
  }

  /**
   * Lists op occurrences by start (their creation), a page at a time when
   * asked. Conditions narrow the list in SQL where SQL expresses them
   * exactly; callers apply their full filter after.
   */
  async list(
    options: PageRequest<CreationCursor> & {
      appInstanceId?: string;
      conditions?: readonly AppLcmOpOccCondition[];
    } = {},
  ): Promise<AppLcmOpOcc[]> {
    const query = this.knex<Row>(TABLE).select();
    if (options.appInstanceId) {
      query.where({ app_instance_id: options.appInstanceId });
    }
    whereConditions(this.knex, query, options.conditions, FIELD_COLUMNS);
    pageByCreation(query, options);
    return (await query).map(row => this.toRecord(row));
  }

  /**
   * Deletes op occurrences that ended (COMPLETED or FAILED) before
   * `before`, with their grants, except the latest one of each existing
   * app instance (its current or last operation) and one an instance still
   * names as its operation in progress, in chunks of `chunk`.
   *
   * @returns how many op occurrences and grants were deleted
   */
  async deleteEndedBefore(
    before: Date,
    options: { chunk?: number } = {},
  ): Promise<{ opOccurrences: number; grants: number }> {
    const chunk = options.chunk ?? 500;
    const deleted = { opOccurrences: 0, grants: 0 };
    for (;;) {
      const removed = await this.knex.transaction(async trx => {
        const ids: string[] = (
          await trx<Row>(`${TABLE} as o`)
            .select('o.id')
            .whereIn('o.operation_state', ['COMPLETED', 'FAILED'])
            .where('o.state_entered_time', '<', before)
            .whereNotExists(holding =>
              holding
                .select(trx.raw('1'))
                .from('app_instances as h')
                .whereRaw('h.operation_in_progress = o.id'),
            )
            .where(keep =>
              keep
                .whereNotExists(instance =>
                  instance
                    .select(trx.raw('1'))
                    .from('app_instances as i')
                    .whereRaw('i.id = o.app_instance_id'),
                )
                .orWhereExists(newer =>
                  newer
                    .select(trx.raw('1'))
                    .from(`${TABLE} as n`)
                    .whereRaw('n.app_instance_id = o.app_instance_id')
                    .where(later =>
                      later
                        .whereRaw('n.created_at > o.created_at')
                        .orWhere(tie =>
                          tie
                            .whereRaw('n.created_at = o.created_at')
                            .whereRaw('n.id > o.id'),
                        ),
                    ),
                ),
            )
            .limit(chunk)
        ).map(row => row.id);
        if (ids.length === 0) return 0;
        deleted.grants += await trx('grants')
          .whereIn('app_lcm_op_occ_id', ids)
          .delete();
        await trx<Row>(TABLE).whereIn('id', ids).delete();
        return ids.length;
      });
      deleted.opOccurrences += removed;
      if (removed < chunk) return deleted;
    }
  }

  async get(id: string): Promise<AppLcmOpOcc | undefined> {
    const row = await this.knex<Row>(TABLE).where({ id }).first();
    return row ? this.toRecord(row) : undefined;
  }

  async insert(record: AppLcmOpOcc): Promise<void> {
    await this.knex<Row>(TABLE).insert({
      id: record.id,
      app_instance_id: record.appInstanceId,
      lcm_operation: record.lcmOperation,
      operation_state: record.operationState,
      state_entered_time: record.stateEnteredTime,
      start_time: record.startTime,
      operation_params: sealSecret(
        this.cipher,
        commandContext(record.id),
        JSON.stringify(record.command),
      ),
      is_cancel_pending: false,
      cancel_mode: null,
      error: null,
      grant_id: null,
      start_notified: false,
      claimed_until: null,
      claim: null,
      requested_by: record.requestedBy ?? null,
      created_at: record.startTime,
    });
  }

  /**
   * Moves an occurrence between states if it is in one of `from` (and,
   * with `claim`, still held by that claim's token).
   *
   * @returns whether it moved
   */
  async transition(
    id: string,
    from: OperationState[],
    to: OperationState,
    extra: {
      error?: OperationError | null;
      grantId?: string;
      isCancelPending?: boolean;
      cancelMode?: CancelMode | null;
      claim?: string;
    } = {},
  ): Promise<boolean> {
    const update: Partial<Row> = {
      operation_state: to,
      state_entered_time: new Date(),
    };
    if ('error' in extra)
      update.error = extra.error ? JSON.stringify(extra.error) : null;
    if (extra.grantId) update.grant_id = extra.grantId;
    if (extra.isCancelPending !== undefined) {
      update.is_cancel_pending = extra.isCancelPending;
    }
    if ('cancelMode' in extra) update.cancel_mode = extra.cancelMode ?? null;
    const query = this.knex<Row>(TABLE)
      .where({ id })
      .whereIn('operation_state', from);
    if (extra.claim) query.andWhere({ claim: extra.claim });
    return (await query.update(update)) > 0;
  }

  async markStartNotified(id: string): Promise<void> {
    await this.knex<Row>(TABLE).where({ id }).update({ start_notified: true });
  }

  /**
   * Encrypts the commands stored in clear (`plaintext`, at startup), or
   * re-encrypts every one not under the first key (`all`, `mec:reencrypt`).
   *
   * @returns how many were rewritten
   */
  async reencryptCommands(scope: ReencryptScope): Promise<number> {
    if (!this.cipher) return 0;
    return reencryptColumn(this.knex, {
      cipher: this.cipher,
      scope,
      table: TABLE,
      keyColumn: 'id',
      column: 'operation_params',
      context: commandContext,
      what: id => `the command of op occurrence ${id}`,
    });
  }

  async requestCancel(id: string, mode: CancelMode): Promise<boolean> {
    const count = await this.knex<Row>(TABLE)
      .where({ id, operation_state: 'PROCESSING' })
      .update({ is_cancel_pending: true, cancel_mode: mode });
    return count > 0;
  }

  private toRecord(row: Row): AppLcmOpOcc {
    const command = openSecret(
      this.cipher,
      commandContext(row.id),
      row.operation_params,
      `the command of op occurrence ${row.id}`,
    );
    return toRecord(row, JSON.parse(command) as LcmCommand);
  }
}

function toRecord(row: Row, command: LcmCommand): AppLcmOpOcc {
  return {
    id: row.id,
    appInstanceId: row.app_instance_id,
    lcmOperation: row.lcm_operation,
    operationState: row.operation_state,
    stateEnteredTime: new Date(row.state_entered_time),
    startTime: new Date(row.start_time),
    command,
    isCancelPending: Boolean(row.is_cancel_pending),
    cancelMode: row.cancel_mode ?? undefined,
    error: row.error ? JSON.parse(row.error) : undefined,
    grantId: row.grant_id ?? undefined,
    startNotified: Boolean(row.start_notified),
    ...(row.requested_by ? { requestedBy: row.requested_by } : {}),
  };
}
