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
import { createSandboxIdentity } from "./sandbox_identity.ts";
import { createSandboxCreditBureau } from "./sandbox_credit_bureau.ts";
import { createSandboxBlacklist } from "./sandbox_blacklist.ts";
import { createSandboxMessageLog } from "./sandbox_messages.ts";
import { createSandboxSms } from "./sandbox_sms.ts";
import { createSandboxCustody } from "./sandbox_custody.ts";
import { createSandboxPayment } from "./sandbox_payment.ts";
import { DEMO_CALLBACK_SECRETS } from "../config.ts";

/**
 * The gateways for `config`, recording (sandboxes) into `db`.
 *
 * @throws {ConfigError} in production when a gateway is a sandbox and sandboxes are not allowed (as
 *   `loadConfig` does already; checked again where the gateways are made).
 */
export function createGateways(
  config:
    & Pick<Config, "env" | "allowSandboxGateways">
    & Partial<
      Pick<
        Config,
        "custodyCallbackSecret" | "paymentCallbackSecret" | "sandboxCallbackDelayMs" | "publicOrigin" | "port"
      >
    >,
  db: Db,
): Gateways {
  if (config.env === "production" && !config.allowSandboxGateways) {
    throw new ConfigError(SANDBOX_REFUSED_MESSAGE);
  }
  return {
    sms: createSandboxSms(db),
    email: createSandboxEmail(db),
    identity: createSandboxIdentity(),
    creditBureau: createSandboxCreditBureau(),
    blacklist: createSandboxBlacklist(),
    sandboxLog: createSandboxMessageLog(db),
    custody: createSandboxCustody(db, {
      secret: config.custodyCallbackSecret ?? DEMO_CALLBACK_SECRETS.CUSTODY_CALLBACK_SECRET,
      ...sandboxCallbackTarget(config),
    }),
    payments: createSandboxPayment(db, {
      secret: config.paymentCallbackSecret ?? DEMO_CALLBACK_SECRETS.PAYMENT_CALLBACK_SECRET,
      ...sandboxCallbackTarget(config),
    }),
  };
}

/**
 * Where the sandbox bank and channels POST their callbacks: the public origin, else this process on
 * loopback. In tests nothing is delivered until a test serves the app and sets the origin
 * (`gateways.custody.sandbox.setCallbackOrigin(baseUrl)`).
 */
function sandboxCallbackTarget(
  config: Pick<Config, "env"> & Partial<Pick<Config, "sandboxCallbackDelayMs" | "publicOrigin" | "port">>,
): { origin: string | null; delayMs: number; auto: boolean } {
  const test = config.env === "test";
  return {
    origin: test ? null : config.publicOrigin ?? `http://127.0.0.1:${config.port ?? 8000}`,
    delayMs: config.sandboxCallbackDelayMs ?? 300,
    auto: !test,
  };
}
