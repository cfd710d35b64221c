import { Knex } from 'knex';
import {
  EdgeHostCredentialType,
  EdgeHostDriver,
  EdgeHostLocation,
  EdgeHostSource,
  EdgeHostStatus,
  NamespacePolicy,
} from '../hosts/model';
import { reencryptColumn, ReencryptScope, SecretCipher } from '../secrets';
import { PageRequest } from './listQueries';

/** An edge host as stored, with its credential still encrypted. */
export interface EdgeHostRecord {
  name: string;
  title?: string;
  description?: string;
  serverUrl: string;
  caData?: string;
  credentialType: EdgeHostCredentialType;
  /**
   * Ciphertext from CredentialCipher, bound to
   * {@link edgeHostCredentialContext}; never decrypted by the store.
   */
  credentialEncrypted: string;
  driver: EdgeHostDriver;
  labels: Record<string, string>;
  location: EdgeHostLocation;
  namespacePolicy: NamespacePolicy;
  source: EdgeHostSource;
  /** The MEPM that reports the host (source `mepm`). */
  mepm?: string;
  status?: EdgeHostStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** Attributes of a host that change after registration. */
export type EdgeHostUpdate = Partial<
  Omit<EdgeHostRecord, 'name' | 'createdAt' | 'updatedAt' | 'status'>
>;

type EdgeHostRow = {
  name: string;
  title: string | null;
  description: string | null;
  server_url: string;
  ca_data: string | null;
  credential_type: EdgeHostCredentialType;
  credential_encrypted: string;
  driver: EdgeHostDriver;
  labels: string;
  location: string;
  namespace_policy: string;
  source: EdgeHostSource;
  mepm: string | null;
  status: string | null;
  status_checked_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

const TABLE = 'edge_hosts';

/** What a host's credential ciphertext is bound to: its host's name. */
export function edgeHostCredentialContext(hostName: string): string {
  return `edge-host:${hostName}`;
}

/**
 * Persistence of edge hosts (table `edge_hosts`). Works on better-sqlite3 and
 * PostgreSQL; JSON attributes are stored as text for both.
 */
export class EdgeHostStore {
  static create(options: { knex: Knex }): EdgeHostStore {
    return new EdgeHostStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  /** Hosts by name: all, or a page of them after a name. */
  async listEdgeHosts(
    page: PageRequest<string> = {},
  ): Promise<EdgeHostRecord[]> {
    const query = this.knex<EdgeHostRow>(TABLE).select().orderBy('name');
    if (page.after !== undefined) {
      query.where('name', '>', page.after);
    }
    if (page.limit !== undefined) {
      query.limit(page.limit);
    }
    return (await query).map(fromRow);
  }

  /** The hosts a MEPM reports, by name. */
  async listMepmHosts(mepm: string): Promise<EdgeHostRecord[]> {
    return (
      await this.knex<EdgeHostRow>(TABLE).where({ mepm }).orderBy('name')
    ).map(fromRow);
  }

  async getEdgeHost(name: string): Promise<EdgeHostRecord | undefined> {
    const row = await this.knex<EdgeHostRow>(TABLE).where({ name }).first();
    return row ? fromRow(row) : undefined;
  }

  /**
   * Inserts a host.
   *
   * @returns false when a host of that name exists already
   */
  async insertEdgeHost(record: EdgeHostRecord): Promise<boolean> {
    const inserted = await this.knex<EdgeHostRow>(TABLE)
      .insert(toRow(record))
      .onConflict('name')
      .ignore()
      .returning('name');
    return inserted.length > 0;
  }

  /**
   * Updates a host's settings.
   *
   * @returns whether the host exists (and was updated)
   */
  async updateEdgeHost(
    name: string,
    update: EdgeHostUpdate,
    now: Date = new Date(),
  ): Promise<boolean> {
    const count = await this.knex<EdgeHostRow>(TABLE)
      .where({ name })
      .update({ ...toPartialRow(update), updated_at: now });
    return count > 0;
  }

  /** Records the result of a health check; settings are left alone. */
  async setStatus(name: string, status: EdgeHostStatus): Promise<boolean> {
    const count = await this.knex<EdgeHostRow>(TABLE)
      .where({ name })
      .update({
        status: JSON.stringify(status),
        status_checked_at: status.checkedAt,
      });
    return count > 0;
  }

  /**
   * Records the result of a health check like {@link EdgeHostStore.setStatus}
   * and returns the status it replaced, compared and swapped in one write:
   * of concurrent checks of a host, each sees the status the other wrote,
   * so a change of reachability is seen by exactly one of them.
   *
   * @returns undefined when there is no such host
   */
  async swapStatus(
    name: string,
    status: EdgeHostStatus,
  ): Promise<{ previous?: EdgeHostStatus } | undefined> {
    for (;;) {
      const row = await this.knex<EdgeHostRow>(TABLE)
        .select('status')
        .where({ name })
        .first();
      if (!row) return undefined;
      const query = this.knex<EdgeHostRow>(TABLE).where({ name });
      if (row.status === null) {
        query.whereNull('status');
      } else {
        query.where('status', row.status);
      }
      const count = await query.update({
        status: JSON.stringify(status),
        status_checked_at: status.checkedAt,
      });
      if (count > 0) {
        return row.status ? { previous: parseStatus(row.status) } : {};
      }
      // Another check wrote in between: compare with what it wrote.
    }
  }

  /**
   * Deletes a host.
   *
   * @returns whether it existed
   */
  async deleteEdgeHost(name: string): Promise<boolean> {
    return (await this.knex<EdgeHostRow>(TABLE).where({ name }).delete()) > 0;
  }

  /**
   * Re-encrypts the credentials not under the cipher's first key (key
   * rotation, `mec:reencrypt`).
   *
   * @returns how many were rewritten
   */
  async reencryptCredentials(
    cipher: SecretCipher,
    scope: ReencryptScope = 'all',
  ): Promise<number> {
    return reencryptColumn(this.knex, {
      cipher,
      scope,
      table: TABLE,
      keyColumn: 'name',
      column: 'credential_encrypted',
      context: edgeHostCredentialContext,
      what: name => `the stored credential of edge host '${name}'`,
    });
  }
}

const date = (value: Date | string) =>
  value instanceof Date ? value : new Date(value);

function parseStatus(text: string): EdgeHostStatus {
  const status = JSON.parse(text) as EdgeHostStatus & { checkedAt: string };
  return { ...status, checkedAt: date(status.checkedAt) };
}

function fromRow(row: EdgeHostRow): EdgeHostRecord {
  const status = row.status ? parseStatus(row.status) : undefined;
  return {
    name: row.name,
    ...(row.title !== null ? { title: row.title } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    serverUrl: row.server_url,
    ...(row.ca_data !== null ? { caData: row.ca_data } : {}),
    credentialType: row.credential_type,
    credentialEncrypted: row.credential_encrypted,
    driver: row.driver,
    labels: JSON.parse(row.labels),
    location: JSON.parse(row.location),
    namespacePolicy: JSON.parse(row.namespace_policy),
    source: row.source,
    ...(row.mepm !== null && row.mepm !== undefined ? { mepm: row.mepm } : {}),
    ...(status ? { status } : {}),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

function toRow(record: EdgeHostRecord): EdgeHostRow {
  return {
    name: record.name,
    title: record.title ?? null,
    description: record.description ?? null,
    server_url: record.serverUrl,
    ca_data: record.caData ?? null,
    credential_type: record.credentialType,
    credential_encrypted: record.credentialEncrypted,
    driver: record.driver,
    labels: JSON.stringify(record.labels),
    location: JSON.stringify(record.location),
    namespace_policy: JSON.stringify(record.namespacePolicy),
    source: record.source,
    mepm: record.mepm ?? null,
    status: record.status ? JSON.stringify(record.status) : null,
    status_checked_at: record.status?.checkedAt ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function toPartialRow(update: EdgeHostUpdate): Partial<EdgeHostRow> {
  const row: Partial<EdgeHostRow> = {};
  if ('title' in update) row.title = update.title ?? null;
  if ('description' in update) row.description = update.description ?? null;
  if (update.serverUrl !== undefined) row.server_url = update.serverUrl;
  if ('caData' in update) row.ca_data = update.caData ?? null;
  if (update.credentialType) row.credential_type = update.credentialType;
  if (update.credentialEncrypted) {
    row.credential_encrypted = update.credentialEncrypted;
  }
  if (update.driver) row.driver = update.driver;
  if (update.labels) row.labels = JSON.stringify(update.labels);
  if (update.location) row.location = JSON.stringify(update.location);
  if (update.namespacePolicy) {
    row.namespace_policy = JSON.stringify(update.namespacePolicy);
  }
  if (update.source) row.source = update.source;
  if ('mepm' in update) row.mepm = update.mepm ?? null;
  return row;
}
