/**
 * Liveness of the platform's dependencies: the database answers `select 1` and Deno KV answers a read,
 * each within a timeout. Used by `/api/health` and the staff 系统状态 page.
 */
import type { Db } from "../../db/tx.ts";
import type { DatabaseKind } from "../../db/connection.ts";

/** How long each check may take before it counts as failed. */
export const HEALTH_TIMEOUT_MS = 2_000;

/** Result of {@link checkHealth}. */
export type HealthReport =
  | { status: "ok"; database: DatabaseKind; kv: "ok" }
  | { status: "error"; database: DatabaseKind | "error"; kv: "ok" | "error" };

class TimeoutError extends Error {
  override name = "TimeoutError";
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the database answers `select 1` within `timeoutMs`. */
export async function databaseAnswers(sql: Db, timeoutMs = HEALTH_TIMEOUT_MS): Promise<boolean> {
  try {
    const query = sql`select 1 as ok`;
    const rows = await withTimeout(
      Promise.resolve(query),
      timeoutMs,
      () => (query as { cancel?: () => void }).cancel?.(),
    );
    return rows[0]?.ok === 1;
  } catch {
    return false;
  }
}

/** Whether Deno KV answers a read within `timeoutMs`. */
export async function kvAnswers(kv: Deno.Kv, timeoutMs = HEALTH_TIMEOUT_MS): Promise<boolean> {
  try {
    await withTimeout(kv.get(["health", "probe"]), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** Check the database and KV concurrently; name the failing part. */
export async function checkHealth(
  deps: { sql: Db; kv: Deno.Kv; dbKind: DatabaseKind },
  options: { timeoutMs?: number } = {},
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
  const [db, kv] = await Promise.all([databaseAnswers(deps.sql, timeoutMs), kvAnswers(deps.kv, timeoutMs)]);
  if (db && kv) return { status: "ok", database: deps.dbKind, kv: "ok" };
  return { status: "error", database: db ? deps.dbKind : "error", kv: kv ? "ok" : "error" };
}
