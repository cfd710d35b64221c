import { LoggerService } from '@backstage/backend-plugin-api';
import { isError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { GrantStore } from '../database/GrantStore';
import { LeasedJob, LeasedJobRunner, LeaseLostError } from '../jobs';
import { PlacementError } from './GrantingService';
import type { GrantRefusal, GrantRequest, IssuedGrant } from './model';

/**
 * Decides the grants asked for in asynchronous mode, in the background: a
 * leased job per pending grant row, so that one replica decides each and
 * another resumes a decision that a stopped backend left pending.
 */
export class GrantDecider {
  private readonly runner: LeasedJobRunner;

  constructor(
    private readonly deps: {
      grants: GrantStore;
      /** Decides without recording; a refusal throws with the reason. */
      decide: (request: GrantRequest, id: string) => Promise<IssuedGrant>;
      logger: LoggerService;
    },
  ) {
    this.runner = LeasedJobRunner.create({
      jobName: 'Decision of grant',
      table: deps.grants.decisionLeases,
      logger: deps.logger,
      handler: job => this.decideClaimed(job),
      leaseMs: 60_000,
      concurrency: 4,
    });
  }

  trigger(grantId: string): void {
    this.runner.trigger(grantId);
  }

  /** Decides the pending grants nobody holds (after a restart). */
  async resumeUnclaimed(): Promise<void> {
    const started = await this.runner.claimDue();
    await Promise.all(started.map(job => job.done));
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Waits for the decisions this process runs (tests). */
  async idle(): Promise<void> {
    await this.runner.idle();
  }

  private async decideClaimed(job: LeasedJob<unknown>): Promise<void> {
    const { grants } = this.deps;
    const request = await grants.getPendingRequest(job.id);
    if (!request) return;
    let outcome: { grant: IssuedGrant } | { refusal: GrantRefusal };
    try {
      outcome = { grant: await this.deps.decide(request, job.id) };
    } catch (error) {
      const refusal = refusalOf(error);
      // Anything else (a database error) is tried again later.
      if (!refusal) throw error;
      outcome = { refusal };
    }
    job.signal.throwIfAborted();
    await grants.transaction(async trx => {
      await job.hold(trx);
      if (!(await grants.withTransaction(trx).decide(job.id, outcome))) {
        throw new LeaseLostError(`Grant ${job.id} was decided elsewhere`);
      }
    });
    this.deps.logger.info(
      'grant' in outcome
        ? `Granted ${request.operation} of ${request.appInstanceId} (grant ${job.id})`
        : `Refused ${request.operation} of ${request.appInstanceId} (grant ${job.id}): ${outcome.refusal.detail}`,
    );
  }
}

/** The ProblemDetails of a refused grant; undefined for other failures. */
export function refusalOf(error: unknown): GrantRefusal | undefined {
  if (error instanceof PlacementError) {
    return { status: 403, title: 'No edge host fits', detail: error.message };
  }
  if (error instanceof NotAllowedError || error instanceof NotFoundError) {
    return {
      status: 403,
      title: 'Grant refused',
      detail: isError(error) ? error.message : String(error),
    };
  }
  return undefined;
}
