/**
 * What every job (queue handler or cron job) receives: the database, the KV store, the configuration, the
 * PII cipher, the gateways and the outbox.
 */
import type { Config } from "../config.ts";
import type { Outbox } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import type { PiiCipher } from "../domain/accounts/pii.ts";
import type { Gateways } from "../domain/gateways/mod.ts";
import type { ForegroundGauge } from "./foreground.ts";

/** Dependencies of queue handlers and cron jobs. */
export interface JobDeps {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
  /** Encrypts/decrypts personal data (and the outbox's secrets). */
  pii: PiiCipher;
  gateways: Gateways;
  outbox: Outbox;
  /** The process's requests in flight: the relay waits for a lull before each round. */
  foreground?: ForegroundGauge;
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
