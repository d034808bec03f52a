/**
 * The outbox in tests: an outbox without a wake-up (events stay `pending` until a test delivers them),
 * the app's relay over the shared test database with the sandbox gateways, and the JobDeps jobs get.
 * @module
 */
import { loadConfig } from "../../config.ts";
import { createOutbox, type Outbox } from "../../db/outbox.ts";
import type { Db } from "../../db/tx.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import { createGateways } from "../../integrations/gateways.ts";
import type { JobDeps } from "../../jobs/deps.ts";
import { createAppRelay } from "../../jobs/mod.ts";
import type { RelayReport } from "../../jobs/outbox_relay.ts";

const config = loadConfig({ APP_ENV: "test" });
const cipher = createPiiCipher(config);

/** An outbox whose events wait for {@link deliverOutbox} (no KV wake-up). */
export const testOutbox: Outbox = createOutbox({ box: cipher });

/** Job dependencies over `sql` with a fresh in-memory KV store (close `kv` at the end of the test). */
export async function testJobDeps(sql: Db): Promise<JobDeps> {
  return {
    sql,
    kv: await Deno.openKv(":memory:"),
    config,
    pii: cipher,
    gateways: createGateways(config, sql),
    outbox: testOutbox,
  };
}

/**
 * Run the app's relay once over `sql` (sandbox gateways): delivers every due event, or only `ids` (a test
 * waiting for its own events need not work off what other test files left on a shared database).
 */
export async function deliverOutbox(sql: Db, ids?: readonly string[]): Promise<RelayReport> {
  const relay = createAppRelay({
    sql,
    kv: undefined as unknown as Deno.Kv, // the relay never touches KV
    config,
    pii: cipher,
    gateways: createGateways(config, sql),
    outbox: testOutbox,
  });
  return await relay.deliver(ids ? { ids } : undefined);
}
