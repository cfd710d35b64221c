import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
  stringifyError,
} from '@backstage/errors';
import {
  MepmRecord,
  MepmStore,
  MepmUpdate,
  mepmAuthContext,
} from '../database/MepmStore';
import type {
  EdgeHostCredentialType,
  EdgeHostService,
  EdgeHostStatus,
  MepmReportedHost,
} from '../hosts';
import {
  createMecApiAuth,
  MecApiAuthSettings,
  MecApiClient,
  MecApiError,
  OutboundUrlPolicy,
} from '../outbound';
import { SecretCipher } from '../secrets';
import type { Mepm, MepmDirectory, MepmPeer, MepmStatus } from './model';
import type { MepmNotificationHub } from './MepmNotificationHub';

/** A MEPM's registration (`POST /mepms`). */
export interface RegisterMepmRequest {
  name: string;
  title?: string;
  description?: string;
  apiRoot: string;
  auth: MecApiAuthSettings;
}

/** What may change of a registered MEPM (`PATCH /mepms/{name}`). */
export interface MepmSettingsUpdate {
  title?: string | null;
  description?: string | null;
  apiRoot?: string;
  auth?: MecApiAuthSettings;
}

/** What a MEPM's notification to the MEO's callback says (the fields used). */
export interface MepmNotification {
  notificationType?: string;
  appLcmOpOccId?: string;
  appInstanceId?: string;
}

/** Options of {@link MepmRegistry}. */
export interface MepmRegistryOptions {
  store: MepmStore;
  hosts: EdgeHostService;
  /** Absent without `mec.encryptionKeys`: then MEPMs cannot be registered (503). */
  cipher?: SecretCipher;
  /** The rules MEPM apiRoots and token endpoints must pass (`mec.mepms.outbound`). */
  outboundPolicy: OutboundUrlPolicy;
  hub: MepmNotificationHub;
  logger: LoggerService;
  /** This MEO's `{apiRoot}`, under which MEPMs post their notifications. */
  apiRoot: () => Promise<string>;
  /**
   * The bearer token MEPMs present (as HTTP Basic password) with their
   * notifications (`mec.mepms.notificationToken`); without it the MEO does
   * not subscribe and relies on polling.
   */
  notificationToken?: string;
  /** Bound of one call to a MEPM; default 15 s. */
  timeoutMs?: number;
  now?: () => Date;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Pages of a MEPM's host list read in one check, at most. */
const MAX_HOST_PAGES = 100;
const CREDENTIAL_TYPES: readonly EdgeHostCredentialType[] = [
  'serviceAccountToken',
  'clientCertificate',
];
const SUBSCRIPTIONS_PATH = 'app_lcm/v1/subscriptions';

/**
 * The MEO's registry of MEPMs: registration with encrypted credentials,
 * a check of each MEPM that mirrors the hosts it reports into the edge
 * host registry (where placement, the portal and the catalog see them),
 * the MEO's subscription to its lifecycle notifications, and the client
 * the `mepm` driver calls it with.
 */
export class MepmRegistry implements MepmDirectory {
  private readonly store: MepmStore;
  private readonly hosts: EdgeHostService;
  private readonly cipher?: SecretCipher;
  private readonly outboundPolicy: OutboundUrlPolicy;
  private readonly hub: MepmNotificationHub;
  private readonly logger: LoggerService;
  private readonly now: () => Date;
  /** Clients by MEPM, so that OAuth tokens are reused between calls. */
  private readonly clients = new Map<
    string,
    { updatedAt: number; apiRoot: string; client: MecApiClient }
  >();

  constructor(private readonly options: MepmRegistryOptions) {
    this.store = options.store;
    this.hosts = options.hosts;
    this.cipher = options.cipher;
    this.outboundPolicy = options.outboundPolicy;
    this.hub = options.hub;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Fails (and so stops the backend) when stored MEPM credentials cannot
   * be decrypted: no key, or not the key they were stored with.
   */
  async verifyStoredCredentials(): Promise<void> {
    const records = await this.store.listMepms();
    if (records.length === 0) return;
    if (!this.cipher) {
      throw new Error(
        `mec.encryptionKeys is not configured, but ${records.length} MEPM(s) with encrypted credentials are registered; configure the key they were stored with`,
      );
    }
    // Throws SecretDecryptionError naming the MEPM.
    for (const record of records) this.decryptAuth(record);
  }

  /** MEPMs by name: all, or a page of them. */
  async listMepms(page?: { after?: string; limit?: number }): Promise<Mepm[]> {
    const records = await this.store.listMepms(page);
    return Promise.all(records.map(r => this.toMepm(r)));
  }

  async getMepm(name: string): Promise<Mepm> {
    return this.toMepm(await this.getRecord(name));
  }

  /**
   * Registers a MEPM and checks it at once: the answer carries its first
   * status (a MEPM that does not answer yet is registered all the same).
   */
  async registerMepm(request: RegisterMepmRequest): Promise<Mepm> {
    if (!NAME.test(request.name)) {
      throw new InputError(
        `Invalid MEPM name '${request.name}': use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
      );
    }
    const apiRoot = normalizeApiRoot(request.apiRoot);
    await this.checkUrls(apiRoot, request.auth);
    if (await this.store.getMepm(request.name)) {
      throw new ConflictError(
        `A MEPM named '${request.name}' is registered already`,
      );
    }
    const now = this.now();
    const inserted = await this.store.insertMepm({
      name: request.name,
      ...(request.title ? { title: request.title } : {}),
      ...(request.description ? { description: request.description } : {}),
      apiRoot,
      authType: request.auth.type,
      authEncrypted: this.encryptAuth(request.name, request.auth),
      createdAt: now,
      updatedAt: now,
    });
    if (!inserted) {
      throw new ConflictError(
        `A MEPM named '${request.name}' is registered already`,
      );
    }
    this.logger.info(`Registered MEPM '${request.name}' (${apiRoot})`);
    return this.checkNow(request.name);
  }

  /**
   * Changes title, description, apiRoot or credentials. A new apiRoot or
   * credential is checked at once; the subscription on the old apiRoot is
   * removed first (if it still answers).
   */
  async updateMepm(name: string, update: MepmSettingsUpdate): Promise<Mepm> {
    const record = await this.getRecord(name);
    const changes: MepmUpdate = {};
    if (update.title !== undefined) changes.title = update.title ?? undefined;
    if (update.description !== undefined) {
      changes.description = update.description ?? undefined;
    }
    const apiRoot =
      update.apiRoot !== undefined
        ? normalizeApiRoot(update.apiRoot)
        : undefined;
    if (apiRoot !== undefined || update.auth !== undefined) {
      const auth = update.auth ?? this.decryptAuth(record);
      await this.checkUrls(apiRoot ?? record.apiRoot, auth);
    }
    if (apiRoot !== undefined && apiRoot !== record.apiRoot) {
      await this.unsubscribe(record);
      changes.apiRoot = apiRoot;
    }
    if (update.auth !== undefined) {
      changes.authType = update.auth.type;
      changes.authEncrypted = this.encryptAuth(name, update.auth);
    }
    await this.store.updateMepm(name, changes, this.now());
    if (changes.apiRoot !== undefined || changes.authEncrypted !== undefined) {
      return this.checkNow(name);
    }
    return this.getMepm(name);
  }

  /**
   * Removes a MEPM with its hosts and the MEO's subscription on it; 409
   * while application instances are placed on its hosts.
   */
  async deleteMepm(name: string): Promise<void> {
    const record = await this.getRecord(name);
    const instances = await this.hosts.countMepmInstances(name);
    if (instances > 0) {
      throw new ConflictError(
        `MEPM '${name}' still has ${instances} application instance(s) on its hosts; terminate and delete them first`,
      );
    }
    await this.store.deleteMepm(name);
    // A check running meanwhile may have mirrored again: it removes its
    // hosts when it finds the MEPM gone (see checkNow).
    await this.hosts.removeMepmHosts(name);
    await this.unsubscribe(record);
    this.clients.delete(name);
    this.logger.info(`Removed MEPM '${name}'`);
  }

  /**
   * Checks a MEPM now: reads its hosts (every page), mirrors them into the
   * edge host registry, keeps the MEO's subscription to its notifications
   * in place, and records the result. A MEPM that does not answer makes
   * its hosts unreachable for placement.
   */
  async checkNow(name: string): Promise<Mepm> {
    const record = await this.getRecord(name);
    const checkedAt = this.now();
    let status: MepmStatus;
    let client: MecApiClient;
    let reported: MepmReportedHost[];
    try {
      client = this.clientOf(record);
      reported = await this.readHosts(client);
    } catch (error) {
      const message = `MEPM '${name}' is unreachable: ${messageOf(error)}`;
      const previous = record.status;
      if (previous?.reachable !== false) this.logger.warn(message);
      await this.hosts.markMepmHostsUnreachable(name, message);
      status = {
        reachable: false,
        checkedAt,
        error: messageOf(error),
        hostCount: previous?.hostCount ?? 0,
        subscribed: false,
      };
      await this.store.setStatus(name, status);
      return this.getMepm(name);
    }
    const leftOut = await this.hosts.mirrorMepmHosts(name, reported);
    if (!(await this.store.getMepm(name))) {
      // Removed while this check ran: take back what it mirrored.
      await this.hosts.removeMepmHosts(name).catch(() => undefined);
      throw new NotFoundError(`No MEPM named '${name}'`);
    }
    let subscriptionError: string | undefined;
    let subscribed = false;
    try {
      subscribed = await this.ensureSubscription(record, client);
    } catch (error) {
      subscriptionError = `Its notifications could not be subscribed to: ${messageOf(
        error,
      )}`;
      this.logger.warn(`MEPM '${name}': ${subscriptionError}`);
    }
    if (record.status?.reachable === false) {
      this.logger.info(`MEPM '${name}' is reachable`);
    }
    status = {
      reachable: true,
      checkedAt,
      ...(subscriptionError ? { error: subscriptionError } : {}),
      hostCount: reported.length - leftOut.length,
      ...(leftOut.length > 0 ? { hostsLeftOut: leftOut } : {}),
      subscribed,
    };
    await this.store.setStatus(name, status);
    return this.getMepm(name);
  }

  /** Checks every MEPM, one after the other; one failing does not stop the round. */
  async checkAll(): Promise<void> {
    for (const record of await this.store.listMepms()) {
      try {
        await this.checkNow(record.name);
      } catch (error) {
        this.logger.warn(
          `Check of MEPM '${record.name}' failed: ${stringifyError(error)}`,
        );
      }
    }
  }

  async mepmOfHost(hostName: string): Promise<MepmPeer | undefined> {
    let host;
    try {
      host = await this.hosts.getHost(hostName);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    if (host.source !== 'mepm' || !host.mepm) return undefined;
    const record = await this.getRecord(host.mepm);
    return { name: record.name, client: this.clientOf(record) };
  }

  /**
   * A MEPM delivered a notification to the MEO's callback: wakes whoever
   * waits on the op occurrence it names.
   */
  async notified(name: string, notification: MepmNotification): Promise<void> {
    await this.getRecord(name);
    await this.store.setNotifiedAt(name, this.now());
    if (typeof notification.appLcmOpOccId === 'string') {
      this.hub.changed(name, notification.appLcmOpOccId);
    }
  }

  /** The client of a MEPM, reused while its settings stay the same. */
  private clientOf(record: MepmRecord): MecApiClient {
    const cached = this.clients.get(record.name);
    if (
      cached &&
      cached.updatedAt === record.updatedAt.getTime() &&
      cached.apiRoot === record.apiRoot
    ) {
      return cached.client;
    }
    const client = MecApiClient.create({
      peer: `MEPM '${record.name}'`,
      apiRoot: record.apiRoot,
      auth: createMecApiAuth(this.decryptAuth(record), {
        outboundPolicy: this.outboundPolicy,
      }),
      outboundPolicy: this.outboundPolicy,
      timeoutMs: this.options.timeoutMs,
    });
    this.clients.set(record.name, {
      updatedAt: record.updatedAt.getTime(),
      apiRoot: record.apiRoot,
      client,
    });
    return client;
  }

  /** Every page of the MEPM's `GET /hosts`, following `Link: rel="next"`. */
  private async readHosts(client: MecApiClient): Promise<MepmReportedHost[]> {
    const hosts: MepmReportedHost[] = [];
    let path: string | undefined = 'hosts';
    for (let page = 0; path; page++) {
      if (page === MAX_HOST_PAGES) {
        throw new Error(`its host list has more than ${MAX_HOST_PAGES} pages`);
      }
      const response: { headers: Headers; body: any } = await client.request(
        'GET',
        path,
      );
      const items = response.body?.items;
      if (!Array.isArray(items)) {
        throw new Error('its GET /hosts answered without an items array');
      }
      for (const item of items) {
        const host = toReportedHost(item);
        if (host) hosts.push(host);
      }
      path = nextLink(response.headers.get('link'));
    }
    return hosts;
  }

  /**
   * Makes sure the MEO holds its app_lcm subscription on the MEPM: the
   * recorded one if the MEPM still has it with this MEO's callback,
   * otherwise a new one.
   *
   * @returns false when no notification token is configured (polling only)
   */
  private async ensureSubscription(
    record: MepmRecord,
    client: MecApiClient,
  ): Promise<boolean> {
    const token = this.options.notificationToken;
    if (!token) return false;
    const callbackUri = `${await this.options.apiRoot()}/mepms/${encodeURIComponent(
      record.name,
    )}/notifications`;
    if (record.subscriptionHref) {
      try {
        const { body } = await client.request('GET', record.subscriptionHref);
        if (body?.callbackUri === callbackUri) return true;
        // Our apiRoot changed: replace it.
        await client.request('DELETE', record.subscriptionHref);
      } catch (error) {
        if (!(error instanceof MecApiError && error.problem.status === 404)) {
          throw error;
        }
        this.logger.info(
          `MEPM '${record.name}' lost the MEO's subscription; subscribing again`,
        );
      }
      await this.store.setSubscription(record.name, undefined);
    }
    const { body, headers } = await client.request('POST', SUBSCRIPTIONS_PATH, {
      body: {
        subscriptionType: 'AppLcmOpOccStateChangeSubscription',
        callbackUri,
        authentication: {
          authType: ['BASIC'],
          // The MEO reads the password as a bearer token (basicAuthAsBearer).
          paramsBasic: { userName: 'meo', password: token },
        },
      },
    });
    // By id under the registered apiRoot: the MEPM's links may name
    // another (its own external) one.
    const href: unknown =
      typeof body?.id === 'string' && body.id
        ? `${SUBSCRIPTIONS_PATH}/${encodeURIComponent(body.id)}`
        : body?._links?.self?.href ?? headers.get('location');
    if (typeof href !== 'string' || !href) {
      throw new Error('its subscription answer named no subscription');
    }
    await this.store.setSubscription(record.name, href);
    return true;
  }

  /** Deletes the MEO's subscription on a MEPM, if it still answers. */
  private async unsubscribe(record: MepmRecord): Promise<void> {
    if (!record.subscriptionHref) return;
    try {
      await this.clientOf(record).request('DELETE', record.subscriptionHref);
    } catch (error) {
      if (!(error instanceof MecApiError && error.problem.status === 404)) {
        this.logger.warn(
          `Could not delete the MEO's subscription on MEPM '${
            record.name
          }': ${messageOf(error)}`,
        );
      }
    }
    await this.store.setSubscription(record.name, undefined);
  }

  /** The apiRoot and token endpoint under `mec.mepms.outbound` (400 otherwise). */
  private async checkUrls(
    apiRoot: string,
    auth: MecApiAuthSettings,
  ): Promise<void> {
    await this.outboundPolicy.check(apiRoot, { purpose: 'mecPeer' });
    if (auth.type === 'oauth2ClientCredentials') {
      await this.outboundPolicy.check(auth.tokenEndpoint, {
        purpose: 'mecPeer',
      });
    }
  }

  private encryptAuth(name: string, auth: MecApiAuthSettings): string {
    if (!this.cipher) {
      throw new ServiceUnavailableError(
        'MEPM credentials cannot be stored or used: mec.encryptionKeys is not configured',
      );
    }
    const settings: MecApiAuthSettings =
      auth.type === 'token'
        ? { type: 'token', token: auth.token }
        : {
            type: 'oauth2ClientCredentials',
            tokenEndpoint: auth.tokenEndpoint,
            clientId: auth.clientId,
            clientSecret: auth.clientSecret,
            ...(auth.scope ? { scope: auth.scope } : {}),
          };
    return this.cipher.encrypt(mepmAuthContext(name), JSON.stringify(settings));
  }

  private decryptAuth(record: MepmRecord): MecApiAuthSettings {
    if (!this.cipher) {
      throw new ServiceUnavailableError(
        'MEPM credentials cannot be stored or used: mec.encryptionKeys is not configured',
      );
    }
    return JSON.parse(
      this.cipher.decrypt(
        mepmAuthContext(record.name),
        record.authEncrypted,
        `the stored credentials of MEPM '${record.name}'`,
      ),
    );
  }

  private async getRecord(name: string): Promise<MepmRecord> {
    const record = await this.store.getMepm(name);
    if (!record) throw new NotFoundError(`No MEPM named '${name}'`);
    return record;
  }

  /** The public view: the auth settings without their secrets. */
  private async toMepm(record: MepmRecord): Promise<Mepm> {
    let auth: Mepm['auth'] = { type: 'token' };
    if (record.authType === 'oauth2ClientCredentials') {
      const settings = this.decryptAuth(record);
      if (settings.type === 'oauth2ClientCredentials') {
        auth = {
          type: 'oauth2ClientCredentials',
          tokenEndpoint: settings.tokenEndpoint,
          clientId: settings.clientId,
          ...(settings.scope ? { scope: settings.scope } : {}),
        };
      }
    }
    return {
      name: record.name,
      ...(record.title !== undefined ? { title: record.title } : {}),
      ...(record.description !== undefined
        ? { description: record.description }
        : {}),
      apiRoot: record.apiRoot,
      auth,
      ...(record.status ? { status: record.status } : {}),
      ...(record.notifiedAt ? { notifiedAt: record.notifiedAt } : {}),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }
}

function normalizeApiRoot(apiRoot: string): string {
  let url: URL;
  try {
    url = new URL(apiRoot);
  } catch {
    throw new InputError(`Invalid apiRoot '${apiRoot}': not an absolute URL`);
  }
  if (url.search || url.hash) {
    throw new InputError(
      `Invalid apiRoot '${apiRoot}': no query or fragment, please`,
    );
  }
  return apiRoot.replace(/\/+$/, '');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The target of `Link: <...>; rel="next"`, if any. */
function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A host of a MEPM's `GET /hosts` as the MEO mirrors it; undefined for one
 * that is not the MEPM's own (a host it mirrors from another MEPM) or not
 * a host at all. The registry validates the rest.
 */
function toReportedHost(item: unknown): MepmReportedHost | undefined {
  if (!isObject(item) || typeof item.name !== 'string') return undefined;
  if (item.source === 'mepm') return undefined;
  const credentialType = CREDENTIAL_TYPES.includes(item.credential?.type)
    ? (item.credential.type as EdgeHostCredentialType)
    : 'serviceAccountToken';
  let status: EdgeHostStatus | undefined;
  if (isObject(item.status) && typeof item.status.reachable === 'boolean') {
    const checkedAt = new Date(item.status.checkedAt);
    if (!Number.isNaN(checkedAt.getTime())) {
      status = pickStatus(item.status, checkedAt);
    }
  }
  return {
    name: item.name,
    ...(typeof item.title === 'string' ? { title: item.title } : {}),
    ...(typeof item.description === 'string'
      ? { description: item.description }
      : {}),
    url: typeof item.url === 'string' ? item.url : '',
    credentialType,
    labels: isObject(item.labels) ? item.labels : {},
    location: isObject(item.location) ? item.location : {},
    namespacePolicy: isObject(item.namespacePolicy)
      ? (item.namespacePolicy as MepmReportedHost['namespacePolicy'])
      : { mode: 'perInstance' },
    ...(status ? { status } : {}),
  };
}

/** The fields of a reported status the MEO keeps, as the hosts API documents them. */
function pickStatus(
  reported: Record<string, any>,
  checkedAt: Date,
): EdgeHostStatus {
  const count = (v: unknown) =>
    Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
  const amounts = (v: unknown) =>
    isObject(v) &&
    count(v.cpuMillicores) !== undefined &&
    count(v.memoryBytes) !== undefined
      ? { cpuMillicores: v.cpuMillicores, memoryBytes: v.memoryBytes }
      : undefined;
  const status: EdgeHostStatus = { reachable: reported.reachable, checkedAt };
  if (typeof reported.kubernetesVersion === 'string') {
    status.kubernetesVersion = reported.kubernetesVersion;
  }
  const readyNodes = count(reported.readyNodes);
  if (readyNodes !== undefined) status.readyNodes = readyNodes;
  const totalNodes = count(reported.totalNodes);
  if (totalNodes !== undefined) status.totalNodes = totalNodes;
  const allocatable = amounts(reported.allocatable);
  if (allocatable) status.allocatable = allocatable;
  const requested = amounts(reported.requested);
  if (requested) status.requested = requested;
  if (
    reported.requestedScope === 'cluster' ||
    reported.requestedScope === 'namespaces'
  ) {
    status.requestedScope = reported.requestedScope;
  }
  if (typeof reported.error === 'string') status.error = reported.error;
  return status;
}
