import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
// The plugin this module extends exports its built-in drivers for modules
// like this one (a module of the same plugin, not a mixed-plugin import).
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import { HelmDriver } from '@helmmec/plugin-mec-backend';
import type {
  DriverCallOptions,
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseRef,
  ReleaseSpec,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';

/** The label that says which driver deployed a release. @public */
export const DRIVER_LABEL = 'helmmec.io/driver';

/** Options of {@link ExampleDriver}. @public */
export interface ExampleDriverOptions {
  /** Does the deploying; the built-in Helm driver in {@link ExampleDriver.fromConfig}. */
  delegate: MecEdgeDriver;
  logger: LoggerService;
}

/**
 * An edge driver to start from when writing one: it deploys as the built-in
 * `helm` driver does, under its own id `example`, labels what it creates
 * (the namespace it makes, Helm's release records) with
 * `helmmec.io/driver: example`, and logs every operation with its host and
 * release. Replace the delegation with your own deployment mechanism; keep
 * the contract of {@link @helmmec/plugin-mec-node#MecEdgeDriver}: every
 * operation idempotent, a readable error (never a credential) on failure.
 * @public
 */
export class ExampleDriver implements MecEdgeDriver {
  /** What an edge host's `driver` setting names to select this driver. */
  static readonly ID = 'example';

  readonly id = ExampleDriver.ID;
  readonly #delegate: MecEdgeDriver;
  readonly #logger: LoggerService;

  /** Reads `mec.drivers.helm` (the helm binary), as the built-in driver does. */
  static fromConfig(
    config: Config,
    options: { logger: LoggerService },
  ): ExampleDriver {
    return new ExampleDriver({
      delegate: HelmDriver.fromConfig(config, { logger: options.logger }),
      logger: options.logger,
    });
  }

  constructor(options: ExampleDriverOptions) {
    this.#delegate = options.delegate;
    this.#logger = options.logger;
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    this.#log(
      'install',
      host,
      spec,
      `chart ${spec.chart.name}-${spec.chart.version}`,
    );
    return this.#delegate.install(
      host,
      { ...spec, labels: { ...spec.labels, [DRIVER_LABEL]: this.id } },
      options,
    );
  }

  async uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & { mode: 'GRACEFUL' | 'FORCEFUL' },
  ): Promise<void> {
    this.#log('uninstall', host, ref, options.mode);
    await this.#delegate.uninstall(host, ref, options);
  }

  async operate(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    changeStateTo: 'STARTED' | 'STOPPED',
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    this.#log('operate', host, ref, changeStateTo);
    return this.#delegate.operate(host, ref, changeStateTo, options);
  }

  async status(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseStatus> {
    // Polled by the instance state reconciler: not worth a log line each time.
    return this.#delegate.status(host, ref);
  }

  /** Names the host and release only: the connection holds the credential. */
  #log(
    operation: string,
    host: EdgeHostConnection,
    ref: ReleaseRef,
    detail: string,
  ) {
    this.#logger.info(
      `${operation} ${ref.namespace}/${ref.releaseName} on ${host.name} (${detail})`,
    );
  }
}
