import { Knex } from 'knex';
import type {
  GrantDecision,
  GrantedOperation,
  GrantedResource,
  GrantLinks,
  GrantRefusal,
  GrantRequest,
  IssuedGrant,
} from '../granting/model';
import { inFlightLeases } from './inFlightLeases';

type DecisionState = GrantDecision['state'];

type Row = {
  id: string;
  app_instance_id: string;
  app_lcm_op_occ_id: string;
  operation: GrantedOperation;
  /** '' for a grant that names no host (see the grant_decisions migration). */
  host_name: string;
  container_namespace: string;
  /** JSON: what the grant adds besides its host and namespace. */
  grant: string;
  created_at: Date | string;
  decision_state: DecisionState;
  request: string | null;
  refusal: string | null;
  decision_claim: string | null;
  decision_claimed_until: Date | string | null;
};

type GrantDetails = { addedResources: GrantedResource[]; links?: GrantLinks };

/** Persistence of grants (table `grants`). */
export class GrantStore {
  static create(options: { knex: Knex }): GrantStore {
    return new GrantStore(
      options.knex,
      inFlightLeases(
        options.knex,
        'grants',
        {
          state: 'decision_state',
          token: 'decision_claim',
          until: 'decision_claimed_until',
        },
        ['PROCESSING'],
      ),
    );
  }

  private constructor(
    private readonly knex: Knex,
    /** Grants decided in the background, one replica deciding each. */
    readonly decisionLeases: ReturnType<typeof inFlightLeases>,
  ) {}

  withTransaction(trx: Knex.Transaction): GrantStore {
    return new GrantStore(trx, this.decisionLeases);
  }

  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  async insert(grant: IssuedGrant): Promise<void> {
    const details: GrantDetails = {
      addedResources: grant.addedResources,
      ...(grant.links ? { links: grant.links } : {}),
    };
    await this.knex<Row>('grants').insert({
      id: grant.id,
      app_instance_id: grant.appInstanceId,
      app_lcm_op_occ_id: grant.appLcmOpOccId,
      operation: grant.operation,
      host_name: grant.hostName ?? '',
      container_namespace: grant.containerNamespace ?? '',
      grant: JSON.stringify(details),
      created_at: grant.createdAt,
      decision_state: 'GRANTED',
    });
  }

  /** Records a request to decide in the background (asynchronous mode). */
  async insertPending(
    id: string,
    request: GrantRequest,
    createdAt: Date,
  ): Promise<void> {
    await this.knex<Row>('grants').insert({
      id,
      app_instance_id: request.appInstanceId,
      app_lcm_op_occ_id: request.appLcmOpOccId,
      operation: request.operation,
      host_name: '',
      container_namespace: '',
      grant: JSON.stringify({ addedResources: [] }),
      created_at: createdAt,
      decision_state: 'PROCESSING',
      request: JSON.stringify(request),
    });
  }

  /** The request of a grant still being decided. */
  async getPendingRequest(id: string): Promise<GrantRequest | undefined> {
    const row = await this.knex<Row>('grants')
      .where({ id, decision_state: 'PROCESSING' })
      .first();
    return row?.request ? JSON.parse(row.request) : undefined;
  }

  /** Writes the decision of a pending grant; false when it was decided already. */
  async decide(
    id: string,
    outcome: { grant: IssuedGrant } | { refusal: GrantRefusal },
  ): Promise<boolean> {
    const changes: Partial<Row> =
      'grant' in outcome
        ? {
            decision_state: 'GRANTED',
            host_name: outcome.grant.hostName ?? '',
            container_namespace: outcome.grant.containerNamespace ?? '',
            grant: JSON.stringify({
              addedResources: outcome.grant.addedResources,
              ...(outcome.grant.links ? { links: outcome.grant.links } : {}),
            } satisfies GrantDetails),
          }
        : {
            decision_state: 'REFUSED',
            refusal: JSON.stringify(outcome.refusal),
          };
    const count = await this.knex<Row>('grants')
      .where({ id, decision_state: 'PROCESSING' })
      .update({ ...changes, request: null });
    return count > 0;
  }

  /**
   * The host and namespace of the newest INSTANTIATE grant given for an
   * instance: where another MEPM's instance runs, for its OPERATE and
   * TERMINATE grants.
   */
  async latestInstantiation(
    appInstanceId: string,
  ): Promise<{ hostName?: string; containerNamespace?: string } | undefined> {
    const row = await this.knex<Row>('grants')
      .where({
        app_instance_id: appInstanceId,
        operation: 'INSTANTIATE',
        decision_state: 'GRANTED',
      })
      .orderBy('created_at', 'desc')
      .first();
    if (!row) return undefined;
    return {
      ...(row.host_name ? { hostName: row.host_name } : {}),
      ...(row.container_namespace
        ? { containerNamespace: row.container_namespace }
        : {}),
    };
  }

  /**
   * Deletes grants created before `before`, except those of an op
   * occurrence that may still act on them (STARTING, PROCESSING, or
   * FAILED_TEMP and so retried with its grant), those still being decided,
   * and the newest INSTANTIATE grant of an instance this MEO did not
   * create and no newer TERMINATE grant ended (its OPERATE and TERMINATE
   * grants name that host).
   *
   * @returns how many were deleted
   */
  async deleteSettledBefore(before: Date): Promise<number> {
    const { knex } = this;
    return knex<Row>('grants')
      .where('created_at', '<', before)
      .whereNot('decision_state', 'PROCESSING')
      .whereNotExists(live =>
        live
          .select(knex.raw('1'))
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
      .whereNot(keep =>
        keep
          .where('operation', 'INSTANTIATE')
          .where('decision_state', 'GRANTED')
          .whereNotExists(local =>
            local
              .select(knex.raw('1'))
              .from('app_instances as i')
              .whereRaw('i.id = grants.app_instance_id'),
          )
          .whereNotExists(newer =>
            newer
              .select(knex.raw('1'))
              .from('grants as g')
              .whereRaw('g.app_instance_id = grants.app_instance_id')
              .whereRaw('g.created_at > grants.created_at')
              .whereIn('g.operation', ['INSTANTIATE', 'TERMINATE']),
          ),
      )
      .delete();
  }

  /** A granted grant; undefined while it is decided, or when refused. */
  async get(id: string): Promise<IssuedGrant | undefined> {
    const decision = await this.getDecision(id);
    return decision?.state === 'GRANTED' ? decision.grant : undefined;
  }

  /** A grant in any decision state. */
  async getDecision(id: string): Promise<GrantDecision | undefined> {
    const row = await this.knex<Row>('grants').where({ id }).first();
    if (!row) return undefined;
    const state = row.decision_state ?? 'GRANTED';
    if (state === 'PROCESSING') return { state, id: row.id };
    if (state === 'REFUSED') {
      return { state, id: row.id, refusal: JSON.parse(row.refusal ?? '{}') };
    }
    const details: GrantDetails = JSON.parse(row.grant);
    return {
      state: 'GRANTED',
      grant: {
        id: row.id,
        appInstanceId: row.app_instance_id,
        appLcmOpOccId: row.app_lcm_op_occ_id,
        operation: row.operation,
        ...(row.host_name ? { hostName: row.host_name } : {}),
        ...(row.container_namespace
          ? { containerNamespace: row.container_namespace }
          : {}),
        addedResources: details.addedResources ?? [],
        ...(details.links ? { links: details.links } : {}),
        createdAt: new Date(row.created_at),
      },
    };
  }
}
