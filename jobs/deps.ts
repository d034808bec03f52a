/**
 * What every job (queue handler or cron job) receives: the database, the KV store and the configuration.
 */
import type { Config } from "../config.ts";
import type { Db } from "../db/tx.ts";

/** Dependencies of queue handlers and cron jobs. */
export interface JobDeps {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
}

/** Write one structured log line for a job event (JSON, one line). */
export function logJob(
  level: "info" | "warn" | "error",
  event: string,
  fields: Record<string, unknown>,
): void {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** A readable message for any thrown value (limited to 2,000 characters). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2000);
}
