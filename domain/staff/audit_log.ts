/**
 * The append-only, hash-chained staff action log (操作日志).
 *
 * Each row stores `prev_hash` (the previous row's `hash`, `null` for the first row) and
 * `hash = sha256(prev_hash ‖ canonicalJson({ staffId, action, target, detail, ip, createdAt }))`.
 * Appends serialise on a transaction-level advisory lock, so the chain never forks; a trigger refuses
 * UPDATE, DELETE and TRUNCATE, and on real Postgres the app's role holds only SELECT and INSERT on the
 * table and owns nothing, so it cannot disable the trigger either ({@link auditLogTamperRisks} checks).
 * {@link verifyAuditChain} recomputes the chain and names the first bad row; with the anchors published
 * outside the database (`audit_anchors.ts`) it also catches a chain rewritten and re-hashed by the owner.
 */
import type { Queryable, Tx } from "../../db/tx.ts";
import { sha256Hex } from "../accounts/pii.ts";
import { isId } from "../shared/ids.ts";
import { type AuditAnchor, auditDatabaseIdentity } from "./audit_anchors.ts";

/** Advisory lock key that serialises appends (an arbitrary constant). */
export const AUDIT_LOCK_KEY = 72_640_002;

/** Rows read per query by {@link verifyAuditChain}. */
export const AUDIT_VERIFY_PAGE_SIZE = 1000;

/** JSON values allowed in `detail`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a caller records. */
export interface AuditEntry {
  /** The acting staff member; `null` for the system or an unknown user (e.g. a failed login). */
  staffId: string | null;
  /** Dotted verb, e.g. `staff.login`, `loan.approve`. */
  action: string;
  /** What was acted on, e.g. `user:42`, `loan:7`. */
  target: string | null;
  /** Extra facts (reason, before/after). Never put secrets or unmasked personal data here. */
  detail?: Record<string, unknown>;
  ip: string | null;
}

/** A stored row. */
export interface AuditRow {
  id: string;
  staffId: string | null;
  action: string;
  target: string | null;
  detail: Record<string, JsonValue>;
  ip: string | null;
  createdAt: Date;
  prevHash: string | null;
  hash: string;
}

/** The columns of `audit_log` as an {@link AuditRow} (a query fragment). */
function auditColumns(db: Queryable) {
  return db`id, staff_id as "staffId", action, target, detail, ip, created_at as "createdAt",
    prev_hash as "prevHash", hash`;
}

/** JSON with object keys sorted at every level (the form the hash is computed over). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The hash of a row given the previous row's hash. */
export async function auditRowHash(
  prevHash: string | null,
  row: Pick<AuditRow, "staffId" | "action" | "target" | "detail" | "ip" | "createdAt">,
): Promise<string> {
  const body = canonicalJson({
    staffId: row.staffId,
    action: row.action,
    target: row.target,
    detail: row.detail,
    ip: row.ip,
    createdAt: row.createdAt.toISOString(),
  });
  return await sha256Hex((prevHash ?? "") + body);
}

/**
 * Append one entry inside the transaction of the action being logged (the entry commits or rolls back with
 * it). Appends serialise on a transaction-scoped advisory lock, so the chain has no forks.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<AuditRow> {
  // Round-trip through JSON: what jsonb stores and gives back (no undefined, Dates as strings).
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, JsonValue>;
  await tx`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
  const [last] = await tx<{ hash: string; created_at: Date }[]>`
    select hash, created_at from audit_log order by id desc limit 1`;
  // Millisecond precision (what JS Dates carry); never earlier than the previous row.
  let createdAt = new Date();
  if (last && last.created_at > createdAt) createdAt = new Date(last.created_at.getTime());
  const prevHash = last?.hash ?? null;
  const row = {
    staffId: entry.staffId,
    action: entry.action,
    target: entry.target,
    detail,
    ip: entry.ip,
    createdAt,
  };
  const hash = await auditRowHash(prevHash, row);
  const [inserted] = await tx<{ id: string }[]>`
    insert into audit_log (staff_id, action, target, detail, ip, created_at, prev_hash, hash)
    values (${entry.staffId}, ${entry.action}, ${entry.target}, ${tx.json(detail)}, ${entry.ip}, ${createdAt},
            ${prevHash}, ${hash})
    returning id`;
  return { id: inserted.id, ...row, prevHash, hash };
}

/** Outcome of {@link verifyAuditChain}. */
export type AuditVerifyResult =
  | {
    ok: true;
    rows: number;
    /** Anchors of this database checked against the chain (present when anchors were given). */
    anchorsChecked?: number;
    /** Anchors given for other databases, not checked (present when anchors were given). */
    anchorsOtherDatabases?: number;
  }
  | { ok: false; brokenAtId: string; reason: "prev_hash_mismatch" | "hash_mismatch" }
  | {
    ok: false;
    brokenAtId: string;
    reason: "anchor_mismatch";
    /** The published anchor the chain no longer agrees with. */
    anchor: AuditAnchor;
    /** The hash the row of `anchor.lastId` has now; `null` when that row is gone. */
    found: string | null;
  };

/** Chinese explanation of each way verification fails (the CLI and 操作日志 → 校验 show it). */
export const AUDIT_VERIFY_REASONS: Readonly<Record<string, string>> = {
  prev_hash_mismatch: "前序哈希不一致（记录被删除、插入或重排）",
  hash_mismatch: "记录内容与哈希不符（记录被篡改）",
  anchor_mismatch: "与已发布的链头锚点不符（哈希链被整体重算或截断）",
};

/**
 * Recompute the whole chain, reading {@link AUDIT_VERIFY_PAGE_SIZE} rows per query. Detects a changed
 * row (`hash_mismatch`) and a deleted, inserted or reordered row (`prev_hash_mismatch` at the first row
 * whose predecessor is not the one it was chained to). With `anchors` (published heads, see
 * `audit_anchors.ts`), also a chain rewritten and re-hashed by someone with the owner role: the row of
 * each anchor of this database must still exist with the anchored hash, else `anchor_mismatch` names the
 * first anchor (by id) that disagrees. Whichever problem comes at the lowest id is reported.
 */
export async function verifyAuditChain(
  db: Queryable,
  options: { anchors?: readonly AuditAnchor[] } = {},
): Promise<AuditVerifyResult> {
  const here = await auditDatabaseIdentity(db);
  const mine = (options.anchors ?? []).filter((a) =>
    a.database === here.database && a.system === here.system
  );
  const pending = new Map<string, AuditAnchor[]>();
  for (const a of mine) {
    if (a.lastId !== null) pending.set(a.lastId, [...pending.get(a.lastId) ?? [], a]);
  }
  let lastId = "0";
  let prevHash: string | null = null;
  let count = 0;
  for (;;) {
    const rows = await db<AuditRow[]>`
      select ${auditColumns(db)} from audit_log
      where id > ${lastId} order by id limit ${AUDIT_VERIFY_PAGE_SIZE}`;
    for (const r of rows) {
      if (r.prevHash !== prevHash) return { ok: false, brokenAtId: r.id, reason: "prev_hash_mismatch" };
      const expected = await auditRowHash(prevHash, r);
      if (expected !== r.hash) return { ok: false, brokenAtId: r.id, reason: "hash_mismatch" };
      const bad = pending.get(r.id)?.find((a) => a.hash !== r.hash);
      if (bad) return { ok: false, brokenAtId: r.id, reason: "anchor_mismatch", anchor: bad, found: r.hash };
      pending.delete(r.id);
      prevHash = r.hash;
      lastId = r.id;
      count++;
    }
    if (rows.length < AUDIT_VERIFY_PAGE_SIZE) break;
  }
  // anchored rows that no longer exist (the log was cut back, or restored from an older copy)
  const missing = [...pending.values()].flat().sort((a, b) => compareIds(a.lastId!, b.lastId!))[0];
  if (missing) {
    return {
      ok: false,
      brokenAtId: missing.lastId!,
      reason: "anchor_mismatch",
      anchor: missing,
      found: null,
    };
  }
  if (!options.anchors) return { ok: true, rows: count };
  return {
    ok: true,
    rows: count,
    anchorsChecked: mine.length,
    anchorsOtherDatabases: options.anchors.length - mine.length,
  };
}

/** Order of two decimal id strings. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Why the current connection's role could tamper with the audit log: it is a superuser, owns `audit_log`
 * (or is a member of its owner — so it could disable the append-only trigger or drop the table), or holds
 * UPDATE, DELETE, TRUNCATE or TRIGGER on it. Empty when the role can only read and append, as the app's
 * role must (see `db/migrations/0004_roles.sql`).
 */
export async function auditLogTamperRisks(db: Queryable): Promise<string[]> {
  const [r] = await db<Record<string, boolean>[]>`
    select rol.rolsuper as superuser,
           pg_has_role(current_user, c.relowner, 'MEMBER') as owner,
           has_table_privilege(c.oid, 'UPDATE') as update,
           has_table_privilege(c.oid, 'DELETE') as delete,
           has_table_privilege(c.oid, 'TRUNCATE') as truncate,
           has_table_privilege(c.oid, 'TRIGGER') as trigger
    from pg_class c, pg_roles rol
    where c.oid = 'audit_log'::regclass and rol.rolname = current_user`;
  return Object.entries(r).filter(([, v]) => v).map(([k]) => k);
}

/**
 * The newest entries, newest first, at most `limit` (≤ 200), before an optional id (paging).
 *
 * @throws {RangeError} when `beforeId` or `staffId` is not an id (`domain/shared/ids.ts`): callers parse
 *   outside input with `parseId` first.
 */
export async function listAudit(
  db: Queryable,
  options: { limit?: number; beforeId?: string; staffId?: string; action?: string } = {},
): Promise<AuditRow[]> {
  for (const key of ["beforeId", "staffId"] as const) {
    if (options[key] !== undefined && !isId(options[key])) throw new RangeError(`listAudit: invalid ${key}`);
  }
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  return await db<AuditRow[]>`
    select ${auditColumns(db)} from audit_log
    where (${options.beforeId ?? null}::bigint is null or id < ${options.beforeId ?? null}::bigint)
      and (${options.staffId ?? null}::bigint is null or staff_id = ${options.staffId ?? null}::bigint)
      and (${options.action ?? null}::text is null or action = ${options.action ?? null}::text)
    order by id desc limit ${limit}`;
}
