import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';
import { OutboundUrlError } from '../outbound';
import { EdgeHostService } from './EdgeHostService';
import { probeEdgeHost } from './probeEdgeHost';
import { EdgeHost, EdgeHostStatus } from './model';

/** The status of a host whose URL `mec.hosts.outbound` does not allow (any more). */
export const REFUSED_BY_HOST_RULES = 'not allowed by mec.hosts.outbound';

/** The scheduler task that checks every host. */
export const EDGE_HOST_HEALTH_TASK_ID = 'mec-edge-host-health';

/** Checks run concurrently per round; small, the backend shares its cores. */
const CONCURRENCY = 4;

/**
 * Checks the health of edge hosts through their Kubernetes API, on a
 * schedule shared by all backend replicas (scope global: one replica
 * checks per round) and on demand.
 */
export class EdgeHostHealthChecker {
  static fromConfig(
    config: Config,
    options: { hosts: EdgeHostService; logger: LoggerService },
  ): EdgeHostHealthChecker {
    const frequency = config.has('mec.hosts.healthCheck.frequency')
      ? readDurationFromConfig(config, {
          key: 'mec.hosts.healthCheck.frequency',
        })
      : { seconds: 30 };
    return new EdgeHostHealthChecker(options.hosts, options.logger, frequency);
  }

  constructor(
    private readonly hosts: EdgeHostService,
    private readonly logger: LoggerService,
    private readonly frequency: HumanDuration = { seconds: 30 },
  ) {}

  /** Schedules {@link EdgeHostHealthChecker.checkAll}. */
  async start(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: EDGE_HOST_HEALTH_TASK_ID,
      frequency: this.frequency,
      // Each check is bounded; this bounds a round of many hosts.
      timeout: { minutes: 5 },
      initialDelay: { seconds: 1 },
      scope: 'global',
      fn: () => this.checkAll(),
    });
  }

  /** Checks one host now, records and returns the result. */
  async checkNow(name: string): Promise<EdgeHost> {
    const host = await this.hosts.getHost(name);
    // A MEPM's host: its MEPM checks it (this MEO cannot reach its API
    // server); its status is the one the MEPM last reported.
    if (host.source === 'mepm') return host;
    const details: string[] = [];
    let status: EdgeHostStatus;
    try {
      const [connection, namespacePolicy] = await Promise.all([
        this.hosts.getConnection(name),
        this.hosts.namespacePolicyOf(name),
      ]);
      status = await probeEdgeHost(connection, {
        timeoutMs: this.hosts.checkTimeoutMs,
        namespacePolicy,
        onFailure: detail => details.push(detail),
      });
    } catch (error) {
      // Registered under older rules, or its name now resolves inward.
      if (!(error instanceof OutboundUrlError)) throw error;
      details.push(error.message);
      status = {
        reachable: false,
        checkedAt: new Date(),
        error: REFUSED_BY_HOST_RULES,
      };
    }
    // The status keeps a fixed reason; what answered is for the log only.
    const detail = details.length > 0 ? ` (${details.join('; ')})` : '';
    const previous = await this.hosts.getHost(name);
    if (previous.status?.reachable !== status.reachable) {
      // Log transitions; the status holds the rest.
      if (status.reachable) {
        this.logger.info(`Edge host '${name}' is reachable${detail}`);
      } else {
        this.logger.warn(
          `Edge host '${name}' is unreachable: ${status.error}${detail}`,
        );
      }
    } else if (detail) {
      this.logger.debug(`Edge host '${name}': ${status.error}${detail}`);
    }
    await this.hosts.recordStatus(name, status);
    return this.hosts.getHost(name);
  }

  /** Checks every host, a few at a time; one failing host does not stop the round. */
  async checkAll(): Promise<void> {
    const queue = (await this.hosts.listHosts())
      .filter(h => h.source !== 'mepm')
      .map(h => h.name);
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        try {
          await this.checkNow(name);
        } catch (error) {
          // Deleted meanwhile, or its credential cannot be decrypted.
          this.logger.warn(
            `Health check of edge host '${name}' failed: ${
              (error as Error).message
            }`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
}
