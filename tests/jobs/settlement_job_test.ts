/**
 * The settlement cron (registered, 00:30 Asia/Shanghai = 16:30 UTC, settles the day before its run key)
 * and the `deno task settle` arguments and progress bar.
 */
import assert from "node:assert/strict";
import { dbTest } from "../helpers/db.ts";
import { testJobDeps } from "../helpers/outbox.ts";
import { cronJobs } from "../../jobs/mod.ts";
import { settleForRunKey, settlementJob } from "../../jobs/settlement.ts";
import { parseSettleArgs, progressBar } from "../../db/settle_cli.ts";

Deno.test("settlement cron: registered at 16:30 UTC (00:30 Asia/Shanghai)", () => {
  assert.ok(cronJobs.includes(settlementJob));
  assert.equal(settlementJob.schedule, "30 16 * * *");
});

Deno.test("settle CLI: --date and --chunk, refusals, progress bar", () => {
  assert.deepEqual(parseSettleArgs(["--date", "2025-03-01"]), { day: "2025-03-01", chunkSize: undefined });
  assert.deepEqual(parseSettleArgs(["--date=2025-03-01", "--chunk", "50"]), {
    day: "2025-03-01",
    chunkSize: 50,
  });
  assert.ok("error" in parseSettleArgs(["--date", "03/01"]));
  assert.ok("error" in parseSettleArgs(["--chunk", "0"]));
  assert.ok("error" in parseSettleArgs(["--what"]));
  const byDefault = parseSettleArgs([]);
  assert.ok("day" in byDefault && /^\d{4}-\d{2}-\d{2}$/.test(byDefault.day));
  const bar = progressBar({ day: "2025-03-01", chunk: 1, loansDone: 5, loansTotal: 10 }, 10);
  assert.ok(bar.includes("[#####-----]") && bar.includes("5/10") && bar.includes("50%"));
});

dbTest("settlement cron settles the day before its run key, once", async (sql) => {
  const deps = await testJobDeps(sql);
  try {
    const detail = await settleForRunKey(deps, "1989-01-02");
    assert.equal(detail.day, "1989-01-01");
    assert.equal(detail.alreadyDone, false);
    assert.equal((await settleForRunKey(deps, "1989-01-02")).alreadyDone, true);
  } finally {
    deps.kv.close();
  }
});
