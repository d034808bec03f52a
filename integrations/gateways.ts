/**
 * Building the gateways from configuration — called once, by `main.ts` (and the test app). Today every
 * outside system has only its sandbox; production refuses sandboxes unless `ALLOW_SANDBOX_GATEWAYS=1`
 * says a person has decided so (a staging site, say), because the sandbox keeps full phone numbers and
 * codes in a table.
 * @module
 */
import { type Config, ConfigError, SANDBOX_REFUSED_MESSAGE } from "../config.ts";
import type { Db } from "../db/tx.ts";
import type { Gateways } from "../domain/gateways/mod.ts";
import { createSandboxEmail } from "./sandbox_email.ts";
import { createSandboxMessageLog } from "./sandbox_messages.ts";
import { createSandboxSms } from "./sandbox_sms.ts";

/**
 * The gateways for `config`, recording (sandboxes) into `db`.
 *
 * @throws {ConfigError} in production when a gateway is a sandbox and sandboxes are not allowed (as
 *   `loadConfig` does already; checked again where the gateways are made).
 */
export function createGateways(config: Pick<Config, "env" | "allowSandboxGateways">, db: Db): Gateways {
  if (config.env === "production" && !config.allowSandboxGateways) {
    throw new ConfigError(SANDBOX_REFUSED_MESSAGE);
  }
  return {
    sms: createSandboxSms(db),
    email: createSandboxEmail(db),
    sandboxLog: createSandboxMessageLog(db),
  };
}
