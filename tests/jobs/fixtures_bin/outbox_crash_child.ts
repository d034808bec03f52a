/**
 * Child process of the outbox crash test: publishes one SMS event in a committed transaction, says so on
 * stdout, then hangs inside the after-commit wake-up — where the parent kills it with SIGKILL, so the
 * process dies between the commit and any delivery.
 *
 * Usage: deno run -A outbox_crash_child.ts <phone> <dedupe key>   (DATABASE_URL names the database)
 */
import { loadConfig } from "../../../config.ts";
import { openDatabase } from "../../../db/connection.ts";
import { createOutbox } from "../../../db/outbox.ts";
import { transaction } from "../../../db/tx.ts";
import { createPiiCipher } from "../../../domain/accounts/pii.ts";

const [phone, dedupeKey] = Deno.args;
const db = await openDatabase({ databaseUrl: Deno.env.get("DATABASE_URL"), maxConnections: 1 });
const outbox = createOutbox({
  box: createPiiCipher(loadConfig({ APP_ENV: "test" })),
  wake: async (ids) => {
    console.log(`COMMITTED ${ids.join(",")}`);
    await new Promise(() => {}); // never returns: the parent kills us here
  },
});
await transaction(
  db.sql,
  (tx) =>
    outbox.publish(tx, { topic: "sms.send", secret: { to: phone, text: "【鑫融易贷】崩溃测试" }, dedupeKey }),
);
