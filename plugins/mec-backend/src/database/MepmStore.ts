import { Knex } from 'knex';
import type { MepmAuthType, MepmStatus } from '../mepms/model';
import { reencryptColumn, ReencryptScope, SecretCipher } from '../secrets';
import { PageRequest } from './listQueries';

/** A MEPM as stored, with its auth settings still encrypted. */
export interface MepmRecord {
  name: string;
  title?: string;
  description?: string;
  apiRoot: string;
  authType: MepmAuthType;
  /**
   * Ciphertext of the JSON auth settings, bound to
   * {@link mepmAuthContext}; never decrypted by the store.
   */
  authEncrypted: string;
  status?: MepmStatus;
  /** The MEO's app_lcm subscription on the MEPM (its `_links.self`). */
  subscriptionHref?: string;
  /** When the MEPM last delivered a notification. */
  notifiedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Settings of a MEPM that change after registration. */
export type MepmUpdate = Partial<
  Pick<
    MepmRecord,
    'title' | 'description' | 'apiRoot' | 'authType' | 'authEncrypted'
  >
>;

type MepmRow = {
  name: string;
  title: string | null;
  description: string | null;
  api_root: string;
  auth_type: MepmAuthType;
  auth_encrypted: string;
  status: string | null;
  subscription_href: string | null;
  notified_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

const TABLE = 'mepms';

/** What a MEPM's auth ciphertext is bound to: its name. */
export function mepmAuthContext(name: string): string {
  return `mepm:${name}`;
}

/**
 * Persistence of the MEO's registry of MEPMs (table `mepms`), on
 * better-sqlite3 and PostgreSQL.
 */
export class MepmStore {
  static create(options: { knex: Knex }): MepmStore {
    return new MepmStore(options.knex);
  }

  private constructor(private readonly knex: Knex) {}

  /** MEPMs by name: all, or a page of them after a name. */
  async listMepms(page: PageRequest<string> = {}): Promise<MepmRecord[]> {
    const query = this.knex<MepmRow>(TABLE).select().orderBy('name');
    if (page.after !== undefined) query.where('name', '>', page.after);
    if (page.limit !== undefined) query.limit(page.limit);
    return (await query).map(fromRow);
  }

  async getMepm(name: string): Promise<MepmRecord | undefined> {
    const row = await this.knex<MepmRow>(TABLE).where({ name }).first();
    return row ? fromRow(row) : undefined;
  }

  /** @returns false when a MEPM of that name exists already */
  async insertMepm(record: MepmRecord): Promise<boolean> {
    const inserted = await this.knex<MepmRow>(TABLE)
      .insert(toRow(record))
      .onConflict('name')
      .ignore()
      .returning('name');
    return inserted.length > 0;
  }

  /** @returns whether the MEPM exists (and was updated) */
  async updateMepm(
    name: string,
    update: MepmUpdate,
    now: Date = new Date(),
  ): Promise<boolean> {
    const row: Partial<MepmRow> = { updated_at: now };
    if ('title' in update) row.title = update.title ?? null;
    if ('description' in update) row.description = update.description ?? null;
    if (update.apiRoot !== undefined) row.api_root = update.apiRoot;
    if (update.authType !== undefined) row.auth_type = update.authType;
    if (update.authEncrypted !== undefined) {
      row.auth_encrypted = update.authEncrypted;
    }
    return (await this.knex<MepmRow>(TABLE).where({ name }).update(row)) > 0;
  }

  /** Records the result of a check; settings are left alone. */
  async setStatus(name: string, status: MepmStatus): Promise<void> {
    await this.knex<MepmRow>(TABLE)
      .where({ name })
      .update({ status: JSON.stringify(status) });
  }

  /** Records (or forgets, with undefined) the MEO's subscription on the MEPM. */
  async setSubscription(name: string, href: string | undefined): Promise<void> {
    await this.knex<MepmRow>(TABLE)
      .where({ name })
      .update({ subscription_href: href ?? null });
  }

  /** Records that the MEPM delivered a notification. */
  async setNotifiedAt(name: string, at: Date): Promise<void> {
    await this.knex<MepmRow>(TABLE).where({ name }).update({ notified_at: at });
  }

  /** @returns whether it existed */
  async deleteMepm(name: string): Promise<boolean> {
    return (await this.knex<MepmRow>(TABLE).where({ name }).delete()) > 0;
  }

  /**
   * Re-encrypts the auth settings not under the cipher's first key (key
   * rotation, `mec:reencrypt`).
   *
   * @returns how many were rewritten
   */
  async reencryptAuth(
    cipher: SecretCipher,
    scope: ReencryptScope = 'all',
  ): Promise<number> {
    return reencryptColumn(this.knex, {
      cipher,
      scope,
      table: TABLE,
      keyColumn: 'name',
      column: 'auth_encrypted',
      context: mepmAuthContext,
      what: name => `the stored credentials of MEPM '${name}'`,
    });
  }
}

const date = (value: Date | string) =>
  value instanceof Date ? value : new Date(value);

function fromRow(row: MepmRow): MepmRecord {
  let status: MepmStatus | undefined;
  if (row.status) {
    const parsed = JSON.parse(row.status);
    status = { ...parsed, checkedAt: date(parsed.checkedAt) };
  }
  return {
    name: row.name,
    ...(row.title !== null ? { title: row.title } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    apiRoot: row.api_root,
    authType: row.auth_type,
    authEncrypted: row.auth_encrypted,
    ...(status ? { status } : {}),
    ...(row.subscription_href !== null
      ? { subscriptionHref: row.subscription_href }
      : {}),
    ...(row.notified_at !== null ? { notifiedAt: date(row.notified_at) } : {}),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

function toRow(record: MepmRecord): MepmRow {
  return {
    name: record.name,
    title: record.title ?? null,
    description: record.description ?? null,
    api_root: record.apiRoot,
    auth_type: record.authType,
    auth_encrypted: record.authEncrypted,
    status: record.status ? JSON.stringify(record.status) : null,
    subscription_href: record.subscriptionHref ?? null,
    notified_at: record.notifiedAt ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}
