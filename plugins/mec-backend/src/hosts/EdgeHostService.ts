import { LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import { Knex } from 'knex';
import { isDeepStrictEqual } from 'node:util';
import {
  EdgeHostRecord,
  EdgeHostStore,
  EdgeHostUpdate,
} from '../database/EdgeHostStore';
import {
  OutboundAllowRule,
  OutboundUrlError,
  OutboundUrlPolicy,
} from '../outbound';
import { SecretCipher } from '../secrets';
import { CredentialCipher, EdgeHostCredential } from './CredentialCipher';
import { DEFAULT_NAMESPACE_PREFIX, probeEdgeHost } from './probeEdgeHost';
import { readStaticHosts } from './staticHosts';
import {
  EdgeHost,
  EdgeHostCredentialType,
  EdgeHostLocation,
  EdgeHostStatus,
  NamespacePolicy,
} from './model';
import {
  compact,
  RegisterEdgeHostRequest,
  validateCredential,
  validateDriver,
  validateHostName,
  validateLabels,
  validateLocation,
  validateNamespacePolicy,
  validateServerUrl,
} from './validation';

/** The registered edge drivers; a host may only name one of them. */
export interface EdgeHostDrivers {
  /** Ids of the built-in drivers and of those added by backend modules. */
  ids(): string[];
}

/**
 * Counts the application instances on a host, which guards its deletion
 * (the lifecycle's instance store).
 */
export interface EdgeHostUsage {
  countByHost(hostName: string): Promise<number>;
}

/** Settings of a host that may change after registration. */
export interface EdgeHostSettingsUpdate {
  title?: string | null;
  description?: string | null;
  driver?: string;
  labels?: Record<string, string>;
  location?: EdgeHostLocation;
  namespacePolicy?: NamespacePolicy;
  /** A new API server URL, for a cluster that moved (e.g. new ports). */
  url?: string;
  /** A new CA of the API server; null removes the pinned one. */
  caData?: string | null;
  /** A new credential, such as a rotated ServiceAccount token. */
  credential?: EdgeHostCredential;
}

/**
 * The driver of the hosts a MEPM reports: the MEO drives them through the
 * MEPM's app_lcm. A host of this MEO cannot name it.
 */
export const MEPM_DRIVER_ID = 'mepm';

/** A host as a MEPM reports it (its `GET /hosts`), to mirror on the MEO. */
export interface MepmReportedHost {
  name: string;
  title?: string;
  description?: string;
  /** The host's API server as the MEPM reaches it (for reference only). */
  url: string;
  credentialType: EdgeHostCredentialType;
  labels: Record<string, string>;
  location: EdgeHostLocation;
  namespacePolicy: NamespacePolicy;
  /** The MEPM's latest check of the host, if it made one. */
  status?: EdgeHostStatus;
}

/** A reported host the MEO did not take, and why. */
export interface MepmHostLeftOut {
  name: string;
  reason: string;
}

/** A host became unreachable, or reachable again. */
export interface EdgeHostReachabilityChange {
  hostName: string;
  reachable: boolean;
}

/** Options of {@link EdgeHostService.create}. */
export interface EdgeHostServiceOptions {
  store: EdgeHostStore;
  drivers: EdgeHostDrivers;
  usage: EdgeHostUsage;
  /** Absent when `mec.encryptionKeys` is not configured. */
  cipher?: CredentialCipher;
  logger: LoggerService;
  /** Hosts from `mec.hosts.static`, synced into the store on creation. */
  staticHosts?: RegisterEdgeHostRequest[];
  /**
   * The rules host URLs must pass (`mec.hosts.outbound`), at registration
   * and before every connection; default {@link DEVELOPMENT_HOST_RULES}.
   */
  outboundPolicy?: OutboundUrlPolicy;
  /** Bound of one health check or registration probe; default 10 s. */
  checkTimeoutMs?: number;
  /** A host is healthy only if its last successful check is this recent; default 2 minutes. */
  healthyMaxAgeMs?: number;
  now?: () => Date;
}

const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/**
 * The host rules without `mec.hosts.outbound` in development: this machine
 * only, where local edge clusters listen on random ports.
 */
export const DEVELOPMENT_HOST_RULES: readonly OutboundAllowRule[] = [
  { host: '127.0.0.0/8', schemes: ['https'] },
  { host: '::1', schemes: ['https'] },
];
const DEFAULT_HEALTHY_MAX_AGE_MS = 120_000;

/**
 * The registry of edge hosts (Kubernetes clusters) the MEPM deploys to:
 * registration from the portal API and from config, settings, deletion
 * guarded by usage, decrypted connections for drivers, and health.
 */
/** An application instance id as the MEO creates it (randomUUID). */
const APP_INSTANCE_ID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The namespace a host's policy gives an application instance. */
function namespaceOfPolicy(
  namespacePolicy: NamespacePolicy,
  appInstanceId: string,
): string {
  if (namespacePolicy.mode === 'fixed') {
    return namespacePolicy.namespace;
  }
  const prefix = namespacePolicy.prefix ?? DEFAULT_NAMESPACE_PREFIX;
  const id = appInstanceId
    .toLowerCase()
    .replace(/[^-a-z0-9]+/g, '-')
    .slice(0, 63 - prefix.length)
    .replace(/-+$/, '');
  if (!id) {
    throw new InputError(
      `Application instance id '${appInstanceId}' gives no namespace name`,
    );
  }
  return `${prefix}${id}`;
}

export class EdgeHostService {
  private readonly changeListeners: Array<(hostName: string) => void> = [];
  private readonly reachabilityListeners: Array<
    (change: EdgeHostReachabilityChange) => void
  > = [];

  /**
   * Reads `mec.hosts` and creates the service: checks that the encryption
   * key decrypts every stored credential and syncs `mec.hosts.static`.
   * Fails (and so stops the backend) with a clear message otherwise.
   */
  static async fromConfig(
    config: Config,
    options: {
      knex: Knex;
      logger: LoggerService;
      drivers: EdgeHostDrivers;
      usage: EdgeHostUsage;
      /**
       * The host rules; by default `mec.hosts.outbound`, or
       * {@link DEVELOPMENT_HOST_RULES} without it.
       */
      outboundPolicy?: OutboundUrlPolicy;
      /** The plugin's cipher (`mec.encryptionKeys`); by default read from config. */
      cipher?: SecretCipher;
    },
  ): Promise<EdgeHostService> {
    const hostsConfig = config.getOptionalConfig('mec.hosts');
    const timeout = hostsConfig?.has('healthCheck.timeout')
      ? durationToMilliseconds(
          readDurationFromConfig(hostsConfig, { key: 'healthCheck.timeout' }),
        )
      : undefined;
    const frequency = hostsConfig?.has('healthCheck.frequency')
      ? durationToMilliseconds(
          readDurationFromConfig(hostsConfig, {
            key: 'healthCheck.frequency',
          }),
        )
      : undefined;
    return EdgeHostService.create({
      store: EdgeHostStore.create({ knex: options.knex }),
      drivers: options.drivers,
      usage: options.usage,
      cipher: options.cipher
        ? new CredentialCipher(options.cipher)
        : CredentialCipher.fromConfig(config),
      logger: options.logger,
      staticHosts: readStaticHosts(config),
      outboundPolicy:
        options.outboundPolicy ??
        OutboundUrlPolicy.fromConfig(config, {
          key: 'mec.hosts.outbound',
          defaultAllow: [...DEVELOPMENT_HOST_RULES],
        }),
      checkTimeoutMs: timeout,
      // A few missed rounds before a host stops counting as healthy.
      healthyMaxAgeMs: frequency
        ? Math.max(4 * frequency, DEFAULT_HEALTHY_MAX_AGE_MS)
        : undefined,
    });
  }

  static async create(
    options: EdgeHostServiceOptions,
  ): Promise<EdgeHostService> {
    const service = new EdgeHostService(options);
    await service.verifyEncryptionKey();
    await service.syncStaticHosts(options.staticHosts ?? []);
    await service.warnOfUnknownDrivers();
    return service;
  }

  private readonly store: EdgeHostStore;
  private readonly drivers: EdgeHostDrivers;
  private readonly usage: EdgeHostUsage;
  private readonly cipher?: CredentialCipher;
  private readonly logger: LoggerService;
  private readonly outboundPolicy: OutboundUrlPolicy;
  private readonly now: () => Date;
  /** Bound of one health check. */
  readonly checkTimeoutMs: number;
  private readonly healthyMaxAgeMs: number;

  private constructor(options: EdgeHostServiceOptions) {
    this.store = options.store;
    this.drivers = options.drivers;
    this.usage = options.usage;
    this.cipher = options.cipher;
    this.logger = options.logger;
    this.outboundPolicy =
      options.outboundPolicy ??
      OutboundUrlPolicy.create({
        allow: [...DEVELOPMENT_HOST_RULES],
        configKey: 'mec.hosts.outbound',
      });
    this.now = options.now ?? (() => new Date());
    this.checkTimeoutMs = options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.healthyMaxAgeMs =
      options.healthyMaxAgeMs ?? DEFAULT_HEALTHY_MAX_AGE_MS;
  }

  /** Hosts by name: all, or a page of them when asked. */
  async listHosts(
    page?: Parameters<EdgeHostStore['listEdgeHosts']>[0],
  ): Promise<EdgeHost[]> {
    return (await this.store.listEdgeHosts(page)).map(toEdgeHost);
  }

  async getHost(name: string): Promise<EdgeHost> {
    return toEdgeHost(await this.getRecord(name));
  }

  /**
   * Ids of the edge drivers a host may name, sorted; not `mepm`, which only
   * the hosts MEPMs report have.
   */
  listDrivers(): string[] {
    return this.drivers
      .ids()
      .filter(id => id !== MEPM_DRIVER_ID)
      .sort();
  }

  /**
   * Hosts whose latest check, recent enough, found them reachable with at
   * least one Ready node: the candidates for placement.
   */
  async listHealthy(): Promise<EdgeHost[]> {
    const oldest = this.now().getTime() - this.healthyMaxAgeMs;
    return (await this.listHosts()).filter(
      host =>
        host.status?.reachable === true &&
        (host.status.readyNodes ?? 0) > 0 &&
        host.status.checkedAt.getTime() >= oldest,
    );
  }

  /**
   * Calls `listener` after a host was registered, changed or deleted through
   * the API, e.g. to let the catalog mirror it at once.
   */
  onHostChanged(listener: (hostName: string) => void): void {
    this.changeListeners.push(listener);
  }

  private hostChanged(name: string): void {
    for (const listener of this.changeListeners) {
      try {
        listener(name);
      } catch {
        // Listeners only speed things up; their readers also poll.
      }
    }
  }

  /**
   * Registers a host from the portal API. With `probe`, the host is checked
   * first and refused (400) when it cannot be reached with the credential.
   */
  async registerHost(
    request: RegisterEdgeHostRequest,
    options?: { probe?: boolean },
  ): Promise<EdgeHost> {
    const record = this.toRecord(request, 'api');
    if (await this.store.getEdgeHost(record.name)) {
      throw new ConflictError(
        `An edge host named '${record.name}' is registered already`,
      );
    }
    // 400 naming the rule set; connections check again (DNS may change).
    await this.checkServerUrl(record.serverUrl);
    if (options?.probe) {
      const details: string[] = [];
      const status = await probeEdgeHost(
        this.connectionOf(record, request.credential),
        {
          timeoutMs: this.checkTimeoutMs,
          namespacePolicy: record.namespacePolicy,
          now: this.now,
          onFailure: detail => details.push(detail),
        },
      );
      if (!status.reachable) {
        // The reason is a fixed phrase; what answered goes to the log only.
        this.logger.info(
          `Registration of edge host '${record.name}' (${
            record.serverUrl
          }) refused: ${details.join('; ')}`,
        );
        throw new InputError(
          `Edge host '${record.name}' cannot be reached: ${status.error}`,
        );
      }
      record.status = status;
    }
    if (!(await this.store.insertEdgeHost(record))) {
      throw new ConflictError(
        `An edge host named '${record.name}' is registered already`,
      );
    }
    this.logger.info(
      `Registered edge host '${record.name}' (${record.serverUrl})`,
    );
    this.hostChanged(record.name);
    return toEdgeHost(record);
  }

  /**
   * Changes labels, location, driver, namespace policy, title or
   * description, or where and with what the host is reached: its URL (under
   * the same rules as on registration), CA and credential.
   */
  async updateHost(
    name: string,
    update: EdgeHostSettingsUpdate,
  ): Promise<EdgeHost> {
    const record = await this.getRecord(name);
    refuseMepmHost(record, 'changed');
    if (record.source === 'config') {
      throw new NotAllowedError(
        `Edge host '${name}' is defined in app-config (mec.hosts.static); change it there`,
      );
    }
    const changes: EdgeHostUpdate = {};
    if (update.title !== undefined) changes.title = update.title ?? undefined;
    if (update.description !== undefined) {
      changes.description = update.description ?? undefined;
    }
    if (update.driver !== undefined) {
      changes.driver = this.validateOwnDriver(update.driver);
    }
    if (update.labels !== undefined) {
      validateLabels(update.labels);
      changes.labels = update.labels;
    }
    if (update.location !== undefined) {
      validateLocation(update.location);
      changes.location = compact(update.location);
    }
    if (update.namespacePolicy !== undefined) {
      validateNamespacePolicy(update.namespacePolicy);
      changes.namespacePolicy = compact(update.namespacePolicy);
    }
    if (update.url !== undefined) {
      validateServerUrl(update.url);
      changes.serverUrl = update.url.replace(/\/+$/, '');
      await this.checkServerUrl(changes.serverUrl);
    }
    if (update.caData !== undefined) {
      changes.caData = update.caData || undefined;
    }
    if (update.credential !== undefined) {
      validateCredential(update.credential);
      changes.credentialType = update.credential.type;
      changes.credentialEncrypted = this.requireCipher().encrypt(
        name,
        update.credential,
      );
    }
    await this.store.updateEdgeHost(name, changes, this.now());
    this.hostChanged(name);
    return this.getHost(name);
  }

  /**
   * Deletes a host registered through the API; 409 while application
   * instances use it, 403 for hosts from config.
   */
  async deleteHost(name: string): Promise<void> {
    const record = await this.getRecord(name);
    refuseMepmHost(record, 'removed');
    if (record.source === 'config') {
      throw new NotAllowedError(
        `Edge host '${name}' is defined in app-config (mec.hosts.static); remove it there`,
      );
    }
    const instances = await this.usage.countByHost(name);
    if (instances > 0) {
      throw new ConflictError(
        `Edge host '${name}' still has ${instances} application instance(s); terminate and delete them first`,
      );
    }
    await this.store.deleteEdgeHost(name);
    this.logger.info(`Deleted edge host '${name}'`);
    this.hostChanged(name);
  }

  /**
   * How drivers and health checks reach a host, with its credential
   * decrypted. Internal only: never return it from an API or log it.
   */
  async getConnection(name: string): Promise<EdgeHostConnection> {
    const record = await this.getRecord(name);
    if (record.source === 'mepm') {
      // Its API server is the MEPM's to reach, often behind its own network.
      throw new NotAllowedError(
        `Edge host '${name}' is managed by MEPM '${record.mepm}'; this MEO does not connect to its API server`,
      );
    }
    // Every connection (health checks, drivers and the kubeconfigs they hand
    // to helm, the Kubernetes proxy) starts here, so the rules and the DNS
    // answers of the moment are checked here: a host registered under
    // older rules, or whose name now resolves inward, is not contacted.
    // Clients resolve the name again when they connect; pinning the checked
    // address would mean rewriting the URL, which sends the wrong Host to
    // API servers behind a name-routed proxy.
    await this.checkServerUrl(record.serverUrl);
    return this.connectionOf(
      record,
      this.requireCipher().decrypt(name, record.credentialEncrypted),
    );
  }

  /** The namespace an application instance gets on a host, per its policy. */
  async namespaceFor(hostName: string, appInstanceId: string): Promise<string> {
    const { namespacePolicy } = await this.getRecord(hostName);
    return namespaceOfPolicy(namespacePolicy, appInstanceId);
  }

  /**
   * Whether a namespace of a host is exactly one its namespace policy gives
   * to application instances (what the portal may read there is ours to
   * show): the fixed namespace, or `<prefix><appInstanceId>`. A prefix test
   * would let a prefix such as `k` expose `kube-system`; instance ids are
   * UUIDs, so a per-instance namespace ends in one.
   */
  async isAppInstanceNamespace(
    hostName: string,
    namespace: string,
  ): Promise<boolean> {
    const { namespacePolicy } = await this.getRecord(hostName);
    if (namespacePolicy.mode === 'fixed') {
      return namespace === namespacePolicy.namespace;
    }
    const appInstanceId = namespace.slice(-36);
    return (
      APP_INSTANCE_ID.test(appInstanceId) &&
      namespace === namespaceOfPolicy(namespacePolicy, appInstanceId)
    );
  }

  /**
   * Calls `listener` when a recorded health check finds a host unreachable
   * after it was reachable (or on its first check), or reachable again:
   * once per change across replicas, by the one whose write made it.
   */
  onReachabilityChanged(
    listener: (change: EdgeHostReachabilityChange) => void,
  ): void {
    this.reachabilityListeners.push(listener);
  }

  /** Stores the result of a health check (used by the health checker). */
  async recordStatus(name: string, status: EdgeHostStatus): Promise<void> {
    const swapped = await this.store.swapStatus(name, status);
    if (!swapped) return;
    const was = swapped.previous?.reachable;
    // A new host found reachable is no news; one never reached is.
    const changed = status.reachable ? was === false : was !== false;
    if (!changed) return;
    for (const listener of this.reachabilityListeners) {
      try {
        listener({ hostName: name, reachable: status.reachable });
      } catch {
        // A listener's failure is its own; the status is recorded.
      }
    }
  }

  /** The namespace policy of a host, for the health check's pod scope. */
  async namespacePolicyOf(name: string): Promise<NamespacePolicy> {
    return (await this.getRecord(name)).namespacePolicy;
  }

  /**
   * Makes this MEO's copies of a MEPM's hosts match what it reported: adds
   * and updates them with the status the MEPM found, and retires those it
   * no longer reports (see {@link EdgeHostService.retireMepmHost}). A host
   * whose name another host holds already (one of this MEO's, another
   * MEPM's) or whose settings are invalid is left out.
   *
   * @returns the reported hosts left out, with the reason
   */
  async mirrorMepmHosts(
    mepm: string,
    reported: MepmReportedHost[],
  ): Promise<MepmHostLeftOut[]> {
    const leftOut: MepmHostLeftOut[] = [];
    const taken = new Set<string>();
    for (const host of reported) {
      if (taken.has(host.name)) {
        leftOut.push({ name: host.name, reason: 'reported twice' });
        continue;
      }
      let settings: EdgeHostUpdate;
      try {
        validateHostName(host.name);
        validateLabels(host.labels);
        validateLocation(host.location);
        validateNamespacePolicy(host.namespacePolicy);
        settings = {
          title: host.title,
          description: host.description,
          serverUrl: host.url,
          caData: undefined,
          credentialType: host.credentialType,
          driver: MEPM_DRIVER_ID,
          labels: host.labels,
          location: compact(host.location),
          namespacePolicy: compact(host.namespacePolicy),
          source: 'mepm',
          mepm,
        };
      } catch (error) {
        leftOut.push({ name: host.name, reason: (error as Error).message });
        continue;
      }
      const existing = await this.store.getEdgeHost(host.name);
      if (existing && existing.mepm !== mepm) {
        leftOut.push({ name: host.name, reason: takenBy(existing) });
        continue;
      }
      const now = this.now();
      if (!existing) {
        const inserted = await this.store.insertEdgeHost({
          ...(settings as Omit<EdgeHostRecord, 'name'>),
          name: host.name,
          credentialEncrypted: '',
          createdAt: now,
          updatedAt: now,
        });
        if (!inserted) {
          // Registered meanwhile.
          const winner = await this.store.getEdgeHost(host.name);
          leftOut.push({
            name: host.name,
            reason: winner ? takenBy(winner) : 'the name is taken',
          });
          continue;
        }
        this.logger.info(
          `Edge host '${host.name}' of MEPM '${mepm}' joined the registry`,
        );
        this.hostChanged(host.name);
      } else if (!sameSettings(existing, { ...existing, ...settings })) {
        await this.store.updateEdgeHost(host.name, settings, now);
        this.hostChanged(host.name);
      }
      taken.add(host.name);
      if (host.status) await this.recordStatus(host.name, host.status);
    }
    for (const existing of await this.store.listMepmHosts(mepm)) {
      if (!taken.has(existing.name)) {
        await this.retireMepmHost(
          existing.name,
          `no longer reported by MEPM '${mepm}'`,
        );
      }
    }
    return leftOut;
  }

  /**
   * Every host of a MEPM becomes unreachable for placement, with `error`
   * (the MEPM does not answer).
   */
  async markMepmHostsUnreachable(mepm: string, error: string): Promise<void> {
    for (const host of await this.store.listMepmHosts(mepm)) {
      await this.recordStatus(host.name, {
        reachable: false,
        checkedAt: this.now(),
        error,
      });
    }
  }

  /** How many application instances are placed on a MEPM's hosts. */
  async countMepmInstances(mepm: string): Promise<number> {
    let count = 0;
    for (const host of await this.store.listMepmHosts(mepm)) {
      count += await this.usage.countByHost(host.name);
    }
    return count;
  }

  /**
   * Removes every host of a MEPM, when the MEPM is removed; 409 while
   * application instances are placed on them.
   */
  async removeMepmHosts(mepm: string): Promise<void> {
    const instances = await this.countMepmInstances(mepm);
    if (instances > 0) {
      throw new ConflictError(
        `MEPM '${mepm}' still has ${instances} application instance(s) on its hosts; terminate and delete them first`,
      );
    }
    for (const host of await this.store.listMepmHosts(mepm)) {
      await this.store.deleteEdgeHost(host.name);
      this.hostChanged(host.name);
    }
  }

  /**
   * A host its MEPM no longer reports: removed, unless application
   * instances are placed on it; then kept, unhealthy, with `reason`, so
   * that they stay visible until they are terminated.
   */
  private async retireMepmHost(name: string, reason: string): Promise<void> {
    if ((await this.usage.countByHost(name)) > 0) {
      await this.recordStatus(name, {
        reachable: false,
        checkedAt: this.now(),
        error: reason,
      });
      return;
    }
    await this.store.deleteEdgeHost(name);
    this.logger.info(`Edge host '${name}' left the registry: ${reason}`);
    this.hostChanged(name);
  }

  private async getRecord(name: string): Promise<EdgeHostRecord> {
    const record = await this.store.getEdgeHost(name);
    if (!record) {
      throw new NotFoundError(`No edge host named '${name}'`);
    }
    return record;
  }

  /** @throws OutboundUrlError (400) when `mec.hosts.outbound` refuses the URL */
  private async checkServerUrl(serverUrl: string): Promise<void> {
    await this.outboundPolicy.check(serverUrl, { purpose: 'edgeHost' });
  }

  private requireCipher(): CredentialCipher {
    if (!this.cipher) {
      throw new ServiceUnavailableError(
        'Edge host credentials cannot be stored or used: mec.encryptionKeys is not configured',
      );
    }
    return this.cipher;
  }

  private connectionOf(
    record: EdgeHostRecord,
    credential: EdgeHostConnection['credential'],
  ): EdgeHostConnection {
    return {
      name: record.name,
      server: record.serverUrl,
      ...(record.caData ? { caData: record.caData } : {}),
      credential,
    };
  }

  /** Validates a registration and encrypts its credential. */
  private toRecord(
    request: RegisterEdgeHostRequest,
    source: EdgeHostRecord['source'],
  ): EdgeHostRecord {
    validateHostName(request.name);
    validateServerUrl(request.url);
    validateCredential(request.credential);
    const driver = this.validateOwnDriver(request.driver ?? 'helm');
    const labels = request.labels ?? {};
    validateLabels(labels);
    const location = compact(request.location ?? {});
    validateLocation(location);
    const namespacePolicy = compact<NamespacePolicy>(
      request.namespacePolicy ?? { mode: 'perInstance' },
    );
    validateNamespacePolicy(namespacePolicy);
    const now = this.now();
    return {
      name: request.name,
      ...(request.title ? { title: request.title } : {}),
      ...(request.description ? { description: request.description } : {}),
      serverUrl: request.url.replace(/\/+$/, ''),
      ...(request.caData ? { caData: request.caData } : {}),
      credentialType: request.credential.type,
      credentialEncrypted: this.requireCipher().encrypt(
        request.name,
        request.credential,
      ),
      driver,
      labels,
      location,
      namespacePolicy,
      source,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** A driver a host of this MEO may name: registered, and not `mepm`. */
  private validateOwnDriver(driver: string): string {
    if (driver === MEPM_DRIVER_ID) {
      throw new InputError(
        `Driver '${MEPM_DRIVER_ID}' is only for the hosts MEPMs report; register the MEPM at /mepms instead`,
      );
    }
    return validateDriver(driver, this.listDrivers());
  }

  /** Fails startup when stored credentials cannot be decrypted. */
  private async verifyEncryptionKey(): Promise<void> {
    // A MEPM's hosts have no credential here.
    const records = (await this.store.listEdgeHosts()).filter(
      r => r.source !== 'mepm',
    );
    if (records.length === 0) return;
    if (!this.cipher) {
      throw new Error(
        `mec.encryptionKeys is not configured, but ${records.length} edge host(s) with encrypted credentials are registered; configure the key they were stored with`,
      );
    }
    for (const record of records) {
      // Throws CredentialDecryptionError naming the host.
      this.cipher.decrypt(record.name, record.credentialEncrypted);
    }
  }

  /**
   * Hosts registered through the API keep their driver when the module that
   * brought it is removed; their operations fail until it is back or the
   * host's driver is changed, so say so at startup.
   */
  private async warnOfUnknownDrivers(): Promise<void> {
    const registered = this.drivers.ids();
    for (const record of await this.store.listEdgeHosts()) {
      if (record.source === 'mepm') continue;
      if (!registered.includes(record.driver)) {
        this.logger.warn(
          `Edge host '${record.name}' names driver '${
            record.driver
          }', which is not registered (registered: ${registered.join(
            ', ',
          )}); its application instances cannot be managed until it is`,
        );
      }
    }
  }

  /**
   * Makes the store's config hosts match `mec.hosts.static`: adds and
   * updates them (keeping their status) and removes those no longer listed.
   */
  private async syncStaticHosts(
    hosts: RegisterEdgeHostRequest[],
  ): Promise<void> {
    const names = new Set<string>();
    for (const host of hosts) {
      if (names.has(host.name)) {
        throw new Error(`mec.hosts.static lists '${host.name}' twice`);
      }
      names.add(host.name);
      let record: EdgeHostRecord;
      try {
        record = this.toRecord(host, 'config');
        await this.checkServerUrl(record.serverUrl).catch(error => {
          // A name that does not resolve now may later (connections check
          // again); a refused URL is a configuration error.
          if (
            !(error instanceof OutboundUrlError) ||
            error.reason !== 'unresolvable'
          ) {
            throw error;
          }
          this.logger.warn(
            `Edge host '${host.name}' in mec.hosts.static: ${error.message}`,
          );
        });
      } catch (error) {
        throw new Error(
          `Invalid edge host '${host.name}' in mec.hosts.static: ${
            (error as Error).message
          }`,
        );
      }
      const existing = await this.store.getEdgeHost(host.name);
      if (!existing) {
        await this.store.insertEdgeHost(record);
        continue;
      }
      if (existing.source !== 'config') {
        this.logger.warn(
          `Edge host '${host.name}' from mec.hosts.static replaces the one ${
            existing.source === 'mepm'
              ? `MEPM '${existing.mepm}' reported`
              : 'registered through the API'
          }`,
        );
      }
      if (
        existing.source === 'config' &&
        sameSettings(existing, record) &&
        isDeepStrictEqual(
          this.cipher?.decrypt(existing.name, existing.credentialEncrypted),
          host.credential,
        )
      ) {
        // Unchanged: keep updatedAt meaningful across restarts.
        continue;
      }
      const { name, createdAt, updatedAt, status, ...settings } = record;
      await this.store.updateEdgeHost(
        name,
        {
          ...settings,
          title: record.title,
          description: record.description,
          caData: record.caData,
          mepm: undefined,
        },
        updatedAt,
      );
    }
    for (const existing of await this.store.listEdgeHosts()) {
      if (existing.source === 'config' && !names.has(existing.name)) {
        await this.store.deleteEdgeHost(existing.name);
        this.logger.info(
          `Removed edge host '${existing.name}': no longer in mec.hosts.static`,
        );
      }
    }
  }
}

/** 409 for a host a MEPM reports: it is the MEPM's to change. */
function refuseMepmHost(record: EdgeHostRecord, what: string): void {
  if (record.source === 'mepm') {
    throw new ConflictError(
      `Edge host '${record.name}' is reported by MEPM '${record.mepm}' and cannot be ${what} here; change it on that MEPM`,
    );
  }
}

/** Why a reported host's name is not free. */
function takenBy(existing: EdgeHostRecord): string {
  return existing.source === 'mepm'
    ? `the name is taken by a host of MEPM '${existing.mepm}'`
    : `the name is taken by an edge host of this MEO (source ${existing.source})`;
}

/** Whether two records have the same settings, credential aside. */
function sameSettings(a: EdgeHostRecord, b: EdgeHostRecord): boolean {
  const settings = (r: EdgeHostRecord) => ({
    title: r.title,
    description: r.description,
    serverUrl: r.serverUrl,
    caData: r.caData,
    credentialType: r.credentialType,
    driver: r.driver,
    labels: r.labels,
    location: r.location,
    namespacePolicy: r.namespacePolicy,
    source: r.source,
    mepm: r.mepm,
  });
  return isDeepStrictEqual(settings(a), settings(b));
}

/** The public view of a stored host: no credential, no CA data. */
function toEdgeHost(record: EdgeHostRecord): EdgeHost {
  return {
    name: record.name,
    ...(record.title !== undefined ? { title: record.title } : {}),
    ...(record.description !== undefined
      ? { description: record.description }
      : {}),
    url: record.serverUrl,
    hasCaData: Boolean(record.caData),
    credentialType: record.credentialType,
    driver: record.driver,
    labels: record.labels,
    location: record.location,
    namespacePolicy: record.namespacePolicy,
    source: record.source,
    ...(record.mepm ? { mepm: record.mepm } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.status ? { status: record.status } : {}),
  };
}
