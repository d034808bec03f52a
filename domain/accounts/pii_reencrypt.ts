/**
 * Re-encryption of personal data after a PII key rotation (domain/accounts/pii.ts): every stored value
 * that is not under the current key version — an old key's, or unversioned — is rewritten under it, so
 * the old key can be removed afterwards. The targets: the `bytea` columns the app writes with the PII
 * cipher ({@link ENCRYPTED_COLUMNS}, by their bigint key), `gateway_credentials` (composite key) and the
 * encrypted values inside `loan_applications.details` (contacts' phones, the legal representative's ID).
 *
 * In batches of {@link PII_REENCRYPT_BATCH_ROWS} rows in key order: read the batch, open and re-encrypt in
 * the process (outside any transaction), then one transaction writes the batch's rewrites — one set-based
 * UPDATE per column, each row only if it still holds the value read (a row the app changed meanwhile is
 * already under the current key, and is left alone) — together with the target's cursor in
 * `pii_reencrypt_progress`. A run stopped anywhere resumes after the last committed batch; a finished
 * target is skipped until the key version changes, which starts every target again. A value no configured
 * key opens is counted (`unreadable`) and left as it is. One run reads at most
 * {@link PII_REENCRYPT_MAX_ROWS_PER_RUN} rows; the hourly job `pii_reencrypt` takes the rest.
 * @module
 */
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import { type PiiCipher, toHex } from "./pii.ts";

/** Rows read, checked and written per batch (one transaction). */
export const PII_REENCRYPT_BATCH_ROWS = 500;
/** Most rows one run reads. */
export const PII_REENCRYPT_MAX_ROWS_PER_RUN = 100_000;

/** The tables whose `bytea` columns hold values encrypted with the PII cipher, by their bigint key. */
export const ENCRYPTED_COLUMNS = [
  { table: "users", key: "id", columns: ["phone_enc", "email_enc", "real_name_enc", "id_number_enc"] },
  { table: "identity_reviews", key: "id", columns: ["real_name_enc", "id_number_enc"] },
  { table: "bank_cards", key: "id", columns: ["card_number_enc", "reserved_phone_enc"] },
  { table: "email_bindings", key: "id", columns: ["email_enc"] },
  { table: "staff_totp", key: "staff_id", columns: ["secret_enc"] },
  // the outbox's secret part (encrypted with the same cipher, erased once delivered)
  { table: "outbox_events", key: "id", columns: ["secret"] },
] as const;

/** Every target, in the order a run takes them. */
export const PII_TARGETS: readonly string[] = [
  ...ENCRYPTED_COLUMNS.map((t) => t.table),
  "gateway_credentials",
  "loan_applications.details",
];

/** What a run did. */
export interface PiiReencryptReport {
  keyVersion: number;
  /** Rows read. */
  scanned: number;
  /** Values rewritten under the current key. */
  rewritten: number;
  /** Values no configured key opens (left as they are). */
  unreadable: number;
  /** Targets done for the current key version (the old key is no longer needed once all are). */
  finished: string[];
  /** Targets the run left for the next (its row budget was spent). */
  remaining: string[];
}

/** One batch's outcome. */
interface BatchResult {
  rows: number;
  rewritten: number;
  unreadable: number;
  cursor: string;
}

/** One column's rewrites in a batch: keys, the values read and the new values (hex). */
interface Rewrites {
  keys: string[];
  olds: string[];
  news: string[];
}

function rewrites(): Rewrites {
  return { keys: [], olds: [], news: [] };
}

/** The value under the current key, `null` when it is already, `"unreadable"` when no key opens it. */
async function fresh(cipher: PiiCipher, bytes: Uint8Array): Promise<Uint8Array | null | "unreadable"> {
  try {
    return await cipher.reencrypt(bytes);
  } catch {
    return "unreadable";
  }
}

function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

type Counts = { rewritten: number; unreadable: number };

/** A batch of a table of {@link ENCRYPTED_COLUMNS}. */
async function columnsBatch(
  db: Db,
  cipher: PiiCipher,
  target: typeof ENCRYPTED_COLUMNS[number],
  cursor: string,
  limit: number,
  commit: (write: (tx: Tx) => Promise<void>, result: BatchResult) => Promise<void>,
): Promise<BatchResult> {
  const columns = target.columns as readonly string[];
  const rows = await db<Record<string, Uint8Array | string | null>[]>`
    select ${db(target.key)}::text as "k", ${db(columns as string[])} from ${db(target.table)}
    where ${db(target.key)} > ${cursor === "" ? "0" : cursor}::bigint
    order by ${db(target.key)} limit ${limit}`;
  const counts: Counts = { rewritten: 0, unreadable: 0 };
  const byColumn = new Map(columns.map((c) => [c, rewrites()]));
  for (const row of rows) {
    for (const column of columns) {
      const value = row[column];
      if (!(value instanceof Uint8Array)) continue;
      const next = await fresh(cipher, value);
      if (next === null) continue;
      if (next === "unreadable") {
        counts.unreadable++;
        continue;
      }
      const r = byColumn.get(column)!;
      r.keys.push(String(row.k));
      r.olds.push(toHex(value));
      r.news.push(toHex(next));
      counts.rewritten++;
    }
  }
  const result = { rows: rows.length, ...counts, cursor: rows.length > 0 ? String(rows.at(-1)!.k) : cursor };
  await commit(async (tx) => {
    for (const [column, r] of byColumn) {
      if (r.keys.length === 0) continue;
      await tx`
        update ${tx(target.table)} t set ${tx(column)} = decode(x.new, 'hex')
        from unnest(${r.keys}::bigint[], ${r.olds}::text[], ${r.news}::text[]) as x(k, old, new)
        where t.${tx(target.key)} = x.k and t.${tx(column)} = decode(x.old, 'hex')`;
    }
  }, result);
  return result;
}

/** A batch of `gateway_credentials` (key: gateway, name; the cursor is their JSON array). */
async function credentialsBatch(
  db: Db,
  cipher: PiiCipher,
  cursor: string,
  limit: number,
  commit: (write: (tx: Tx) => Promise<void>, result: BatchResult) => Promise<void>,
): Promise<BatchResult> {
  const [g, n] = cursor === "" ? [null, null] : JSON.parse(cursor) as [string, string];
  const rows = await db<{ gateway: string; name: string; value: Uint8Array }[]>`
    select gateway, name, value_enc as value from gateway_credentials
    where ${g}::text is null or (gateway, name) > (${g}::text, ${n}::text)
    order by gateway, name limit ${limit}`;
  const counts: Counts = { rewritten: 0, unreadable: 0 };
  const gateways: string[] = [];
  const names: string[] = [];
  const r = rewrites();
  for (const row of rows) {
    const next = await fresh(cipher, row.value);
    if (next === null) continue;
    if (next === "unreadable") {
      counts.unreadable++;
      continue;
    }
    gateways.push(row.gateway);
    names.push(row.name);
    r.olds.push(toHex(row.value));
    r.news.push(toHex(next));
    counts.rewritten++;
  }
  const last = rows.at(-1);
  const result = {
    rows: rows.length,
    ...counts,
    cursor: last ? JSON.stringify([last.gateway, last.name]) : cursor,
  };
  await commit(async (tx) => {
    if (gateways.length === 0) return;
    await tx`
      update gateway_credentials c set value_enc = decode(x.new, 'hex')
      from unnest(${gateways}::text[], ${names}::text[], ${r.olds}::text[], ${r.news}::text[])
        as x(gateway, name, old, new)
      where c.gateway = x.gateway and c.name = x.name and c.value_enc = decode(x.old, 'hex')`;
  }, result);
  return result;
}

/** The encrypted values inside an application's details (base64): contacts' phones, the legal rep's ID. */
interface StoredDetails {
  contacts?: { phoneEnc?: unknown }[];
  business?: { legalRepIdEnc?: unknown };
}

/** A batch of `loan_applications.details`. */
async function detailsBatch(
  db: Db,
  cipher: PiiCipher,
  cursor: string,
  limit: number,
  commit: (write: (tx: Tx) => Promise<void>, result: BatchResult) => Promise<void>,
): Promise<BatchResult> {
  const rows = await db<{ k: string; details: string }[]>`
    select id::text as k, details::text as details from loan_applications
    where id > ${cursor === "" ? "0" : cursor}::bigint order by id limit ${limit}`;
  const counts: Counts = { rewritten: 0, unreadable: 0 };
  const r = rewrites();
  for (const row of rows) {
    const details = JSON.parse(row.details) as StoredDetails;
    let changed = false;
    const again = async (value: unknown): Promise<string | null> => {
      if (typeof value !== "string") return null;
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(value);
      } catch {
        counts.unreadable++;
        return null;
      }
      const next = await fresh(cipher, bytes);
      if (next === null) return null;
      if (next === "unreadable") {
        counts.unreadable++;
        return null;
      }
      counts.rewritten++;
      changed = true;
      return bytesToBase64(next);
    };
    for (const contact of Array.isArray(details.contacts) ? details.contacts : []) {
      const next = await again(contact?.phoneEnc);
      if (next !== null) contact.phoneEnc = next;
    }
    if (details.business) {
      const next = await again(details.business.legalRepIdEnc);
      if (next !== null) details.business.legalRepIdEnc = next;
    }
    if (!changed) continue;
    r.keys.push(row.k);
    r.olds.push(row.details);
    r.news.push(JSON.stringify(details));
  }
  const result = { rows: rows.length, ...counts, cursor: rows.length > 0 ? rows.at(-1)!.k : cursor };
  await commit(async (tx) => {
    if (r.keys.length === 0) return;
    await tx`
      update loan_applications a set details = x.new::jsonb
      from unnest(${r.keys}::bigint[], ${r.olds}::text[], ${r.news}::text[]) as x(id, old, new)
      where a.id = x.id and a.details = x.old::jsonb`;
  }, result);
  return result;
}

/**
 * Rewrite, under `cipher`'s current key, every stored value that is not under it (see the module doc):
 * resumes each target where the last run stopped, reads at most `maxRows` rows (batches of `batchRows`).
 * Running it again once every target is finished reads nothing.
 */
export async function reencryptPii(
  db: Db,
  cipher: PiiCipher,
  options: { batchRows?: number; maxRows?: number } = {},
): Promise<PiiReencryptReport> {
  const batchRows = Math.min(Math.max(Math.trunc(options.batchRows ?? PII_REENCRYPT_BATCH_ROWS), 1), 5_000);
  const maxRows = Math.min(
    Math.max(Math.trunc(options.maxRows ?? PII_REENCRYPT_MAX_ROWS_PER_RUN), 1),
    10_000_000,
  );
  const version = cipher.keyVersion;
  const progress = new Map(
    (await db<{ target: string; keyVersion: number; cursor: string; finished: boolean }[]>`
      select target, key_version as "keyVersion", cursor, finished_at is not null as finished
      from pii_reencrypt_progress`).map((p) => [p.target, p]),
  );
  const report: PiiReencryptReport = {
    keyVersion: version,
    scanned: 0,
    rewritten: 0,
    unreadable: 0,
    finished: [],
    remaining: [],
  };
  for (const target of PII_TARGETS) {
    const known = progress.get(target);
    const sameVersion = known !== undefined && known.keyVersion === version;
    if (sameVersion && known.finished) {
      report.finished.push(target);
      continue;
    }
    let cursor = sameVersion ? known.cursor : "";
    for (;;) {
      if (report.scanned >= maxRows) {
        report.remaining.push(target);
        break;
      }
      const limit = Math.min(batchRows, maxRows - report.scanned);
      // the batch's rewrites and the target's progress in one transaction
      const commit = async (write: (tx: Tx) => Promise<void>, b: BatchResult) => {
        const done = b.rows < limit;
        await transaction(db, async (tx) => {
          await write(tx);
          await tx`
            insert into pii_reencrypt_progress as p (target, key_version, cursor, rewritten, unreadable, finished_at)
            values (${target}, ${version}, ${b.cursor}, ${b.rewritten}, ${b.unreadable}, ${
            done ? new Date() : null
          })
            on conflict (target) do update set key_version = excluded.key_version, cursor = excluded.cursor,
              rewritten = excluded.rewritten + case when p.key_version = excluded.key_version then p.rewritten else 0 end,
              unreadable = excluded.unreadable
                + case when p.key_version = excluded.key_version then p.unreadable else 0 end,
              finished_at = excluded.finished_at, updated_at = now()`;
        });
      };
      const table = ENCRYPTED_COLUMNS.find((t) => t.table === target);
      const b = table
        ? await columnsBatch(db, cipher, table, cursor, limit, commit)
        : target === "gateway_credentials"
        ? await credentialsBatch(db, cipher, cursor, limit, commit)
        : await detailsBatch(db, cipher, cursor, limit, commit);
      report.scanned += b.rows;
      report.rewritten += b.rewritten;
      report.unreadable += b.unreadable;
      cursor = b.cursor;
      if (b.rows < limit) {
        report.finished.push(target);
        break;
      }
    }
  }
  return report;
}
