import assert from "node:assert/strict";
import { runCronJob } from "../../jobs/cron.ts";
import { purgeExpiredJob } from "../../jobs/purge_expired.ts";
import { dbTest } from "../helpers/db.ts";
import { makeDeps, uniq, withDeps } from "./fixtures.ts";

dbTest(
  "purge_expired: deletes only expired SMS codes, sessions and stale rate limits, and records the counts",
  async (sql) => {
    const deps = await makeDeps(sql);
    try {
      const tag = uniq();
      const code = (label: string, expiresSql: string) =>
        sql.unsafe(
          `insert into sms_codes (phone_hash, purpose, code_hash, expires_at)
         values ($1, 'register', 'x', ${expiresSql})`,
          [`${tag}-${label}`],
        );
      await code("long_expired", "now() - interval '2 hours'");
      await code("just_expired", "now() - interval '1 minute'"); // kept for the retention period
      await code("valid", "now() + interval '5 minutes'");
      const session = (label: string, idle: string, absolute: string) =>
        sql.unsafe(
          `insert into sessions (id_hash, subject_type, subject_id, created_at, last_seen_at,
           idle_expires_at, absolute_expires_at, expires_at)
         values ($1, 'user', 1, now() - interval '1 day', now(), ${idle}, ${absolute}, least(${idle}, ${absolute}))`,
          [`${tag}-${label}`],
        );
      await session("idle_expired", "now() - interval '1 minute'", "now() + interval '1 day'");
      await session("absolute_expired", "now() + interval '1 hour'", "now() - interval '1 second'");
      await session("live", "now() + interval '1 hour'", "now() + interval '1 day'");

      const limit = (label: string, updated: string, lockedUntil: string) =>
        sql.unsafe(
          `insert into rate_limits (key, window_started_at, count, locked_until, updated_at)
         values ($1, ${updated}, 3, ${lockedUntil}, ${updated})`,
          [`${tag}-${label}`],
        );
      await limit("stale", "now() - interval '3 days'", "null");
      await limit("stale_but_locked", "now() - interval '3 days'", "now() + interval '1 hour'");
      await limit("recent", "now() - interval '1 hour'", "null");

      const result = await runCronJob(deps, purgeExpiredJob, `test-${tag}`);
      assert.equal(result.ok, true);
      if (!result.ok) return;
      assert.ok(Number(result.detail.smsCodes) >= 1);
      assert.ok(Number(result.detail.sessions) >= 2);

      const codes = await sql`select phone_hash from sms_codes where phone_hash like ${
        tag + "-%"
      } order by phone_hash`;
      assert.deepEqual(codes.map((r) => r.phone_hash), [`${tag}-just_expired`, `${tag}-valid`]);
      const sessions = await sql`select id_hash from sessions where id_hash like ${tag + "-%"}`;
      assert.deepEqual(sessions.map((r) => r.id_hash), [`${tag}-live`]);
      assert.ok(Number(result.detail.rateLimits) >= 1);
      const limits = await sql`select key from rate_limits where key like ${tag + "-%"} order by key`;
      assert.deepEqual(limits.map((r) => r.key), [`${tag}-recent`, `${tag}-stale_but_locked`]);
      const [run] =
        await sql`select status, detail from job_runs where job = 'purge_expired' and run_key = ${`test-${tag}`}`;
      assert.equal(run.status, "done");
      assert.equal(run.detail.sessions, result.detail.sessions);
    } finally {
      deps.kv.close();
    }
  },
);

dbTest(
  "purge_expired: deletes sandbox callbacks delivered over a week ago, keeps those still owed",
  async (sql) => {
    const tag = uniq();
    const callback = (label: string, created: string, delivered: string, attempts = 1) =>
      sql.unsafe(
        `insert into sandbox_callbacks (target, callback_id, body, deliver_after, attempts, delivered_at,
         last_status, created_at)
       values ('custody', $1, '{}', ${created}, ${attempts}, ${delivered},
         ${delivered === "null" ? "null" : "200"}, ${created})`,
        [`${tag}-${label}`],
      );
    await callback("delivered_long_ago", "now() - interval '9 days'", "now() - interval '8 days'");
    await callback("delivered_lately", "now() - interval '9 days'", "now() - interval '6 days'"); // retention
    await callback("still_due", "now() - interval '40 days'", "null"); // never delivered: the bank owes it
    await callback("given_up", "now() - interval '40 days'", "null", 12); // past the attempts: still owed
    const result = await withDeps(sql, (deps) => runCronJob(deps, purgeExpiredJob, `test-${tag}`));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.ok(Number(result.detail.sandboxCallbacks) >= 1, JSON.stringify(result.detail));
    const left = await sql<{ id: string }[]>`
    select callback_id as id from sandbox_callbacks where callback_id like ${
      tag + "-%"
    } order by callback_id`;
    assert.deepEqual(left.map((r) => r.id), [
      `${tag}-delivered_lately`,
      `${tag}-given_up`,
      `${tag}-still_due`,
    ]);
  },
);
