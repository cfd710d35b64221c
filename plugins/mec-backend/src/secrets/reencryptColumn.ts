import { Knex } from 'knex';
import { SecretCipher } from './SecretCipher';

/** Which stored values {@link reencryptColumn} rewrites. */
export type ReencryptScope =
  /** Values still in clear (stored before they were encrypted, or without a key). */
  | 'plaintext'
  /** Every value not under the first key: in clear, under an older key, or of version 1. */
  | 'all';

const BATCH_SIZE = 200;

/**
 * Encrypts or re-encrypts one column of secrets under the cipher's first
 * key, a batch of rows at a time. Each row is written only if its value is
 * still the one read (compare and set), so replicas running this at once,
 * or a row changed meanwhile, are safe.
 *
 * @returns how many rows were rewritten
 */
export async function reencryptColumn(
  knex: Knex,
  options: {
    cipher: SecretCipher;
    table: string;
    /** A unique, ordered text column (the primary key). */
    keyColumn: string;
    column: string;
    /** The context each value is bound to, from its row's key. */
    context: (key: string) => string;
    /** What a value is, in error messages. */
    what: (key: string) => string;
    scope: ReencryptScope;
  },
): Promise<number> {
  const { cipher, table, keyColumn, column, scope } = options;
  let after: string | undefined;
  let rewritten = 0;
  for (;;) {
    const query = knex(table)
      .select(keyColumn, column)
      .whereNotNull(column)
      .orderBy(keyColumn)
      .limit(BATCH_SIZE);
    if (after !== undefined) query.where(keyColumn, '>', after);
    // Ciphertexts start 'v1.' or 'v2.'; stored JSON never does.
    if (scope === 'plaintext') query.whereNot(column, 'like', 'v_.%');
    const rows: Array<Record<string, string>> = await query;
    for (const row of rows) {
      const key = row[keyColumn];
      const value = row[column];
      const context = options.context(key);
      let next: string | undefined;
      if (!SecretCipher.isEncrypted(value)) {
        next = cipher.encrypt(context, value);
      } else if (scope === 'all') {
        next = cipher.reencrypt(context, value, options.what(key));
      }
      if (next === undefined) continue;
      rewritten += await knex(table)
        .where({ [keyColumn]: key, [column]: value })
        .update({ [column]: next });
    }
    if (rows.length < BATCH_SIZE) return rewritten;
    after = rows[rows.length - 1][keyColumn];
  }
}
