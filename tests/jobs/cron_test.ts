import assert from "node:assert/strict";
import { type CronJob, defineCronJob, runCronJob, shanghaiDay } from "../../jobs/cron.ts";
import { dbTest, testDbKind } from "../helpers/db.ts";
import { makeDeps, uniq } from "./fixtures.ts";

function countingJob(options: { sleepMs?: number; failTimes?: number } = {}) {
  const state = { runs: 0, failures: 0 };
  const job: CronJob = defineCronJob({
    name: `test_job_${uniq()}`,
    schedule: "0 19 * * *",
    async run(deps, runKey) {
      if (options.sleepMs) await deps.sql`select pg_sleep(${options.sleepMs / 1000})`;
      if (state.failures < (options.failTimes ?? 0)) {
        state.failures++;
        throw new Error("job broke");
      }
      state.runs++;
      return { runKey, processed: 7 };
    },
  });
  return { job, state };
}

Deno.test("cron: shanghaiDay is the calendar day in Asia/Shanghai (UTC+8)", () => {
  assert.equal(shanghaiDay(new Date("2026-11-26T15:59:59Z")), "2026-11-26");
  assert.equal(shanghaiDay(new Date("2026-11-26T16:00:00Z")), "2026-11-27");
  assert.equal(shanghaiDay(new Date("2026-12-31T20:00:00Z")), "2027-01-01");
});

Deno.test("cron: defineCronJob rejects bad names and schedules", () => {
  const run = () => Promise.resolve();
  assert.throws(() => defineCronJob({ name: "Bad-Name", schedule: "0 0 * * *", run }), /name/);
  assert.throws(() => defineCronJob({ name: "ok_name", schedule: "every day", run }), /schedule/);
  assert.equal(defineCronJob({ name: "ok_name", schedule: "0 0 * * *", run }).name, "ok_name");
});

dbTest("cron: a second run for the same day does nothing; the next day runs again", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    const { job, state } = countingJob();
    const first = await runCronJob(deps, job, "2026-11-27");
    assert.equal(first.ok, true);
    assert.deepEqual(await runCronJob(deps, job, "2026-11-27"), {
      ok: false,
      code: "already_done",
      runKey: "2026-11-27",
    });
    assert.equal(state.runs, 1);
    const [row] =
      await sql`select status, detail, finished_at from job_runs where job = ${job.name} and run_key = '2026-11-27'`;
    assert.equal(row.status, "done");
    assert.equal(row.detail.processed, 7);
    assert.equal(typeof row.detail.durationMs, "number");
    assert.ok(row.finished_at instanceof Date);
    assert.equal((await runCronJob(deps, job, "2026-11-28")).ok, true);
    assert.equal(state.runs, 2);
    // default run key: today in Shanghai
    const today = await runCronJob(deps, job);
    assert.equal(today.runKey, shanghaiDay());
  } finally {
    deps.kv.close();
  }
});

dbTest("cron: a failed run is recorded and a later run for the same day retries it", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    const { job, state } = countingJob({ failTimes: 1 });
    const failed = await runCronJob(deps, job, "2026-11-27");
    assert.equal(failed.ok, false);
    assert.equal(!failed.ok && failed.code, "failed");
    const [row] = await sql`select status, detail from job_runs where job = ${job.name}`;
    assert.equal(row.status, "failed");
    assert.match(row.detail.error, /job broke/);
    assert.equal((await runCronJob(deps, job, "2026-11-27")).ok, true);
    assert.equal(state.runs, 1);
    const [after] = await sql`select status from job_runs where job = ${job.name}`;
    assert.equal(after.status, "done");
  } finally {
    deps.kv.close();
  }
});

// The embedded database serialises the claims on its one connection: only real Postgres tests the race.
dbTest("cron (postgres only): concurrent runs for the same day do the work once", async (sql) => {
  const deps = await makeDeps(sql);
  try {
    const { job, state } = countingJob({ sleepMs: 200 });
    const results = await Promise.all([1, 2, 3].map(() => runCronJob(deps, job, "2026-11-27")));
    assert.equal(state.runs, 1);
    assert.equal(results.filter((r) => r.ok).length, 1);
    for (const r of results.filter((r) => !r.ok)) {
      assert.ok(!r.ok && (r.code === "locked" || r.code === "already_done"), JSON.stringify(r));
    }
    assert.deepEqual(await runCronJob(deps, job, "2026-11-27"), {
      ok: false,
      code: "already_done",
      runKey: "2026-11-27",
    });
  } finally {
    deps.kv.close();
  }
}, { ignore: testDbKind !== "postgres" });

dbTest(
  "cron: a fresh 'running' record of another instance means locked; a stale one is taken over",
  async (sql) => {
    const deps = await makeDeps(sql);
    try {
      const { job, state } = countingJob();
      await sql`insert into job_runs (job, run_key, status) values (${job.name}, 'k1', 'running')`;
      assert.deepEqual(await runCronJob(deps, job, "k1"), { ok: false, code: "locked", runKey: "k1" });
      await sql`update job_runs set started_at = now() - interval '2 hours' where job = ${job.name}`;
      assert.equal((await runCronJob(deps, job, "k1")).ok, true);
      assert.equal(state.runs, 1);
    } finally {
      deps.kv.close();
    }
  },
);

dbTest(
  "cron (postgres): a run while another instance holds the job's advisory lock returns locked" +
    (testDbKind === "postgres" ? "" : " [skipped on pglite: one connection]"),
  async (sql) => {
    const deps = await makeDeps(sql);
    const { job, state } = countingJob();
    try {
      await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext(${"cron:" + job.name}))`;
        assert.deepEqual(await runCronJob(deps, job, "k"), { ok: false, code: "locked", runKey: "k" });
      });
      assert.equal(state.runs, 0);
      assert.equal((await runCronJob(deps, job, "k")).ok, true);
    } finally {
      deps.kv.close();
    }
  },
  { ignore: testDbKind !== "postgres" },
);
