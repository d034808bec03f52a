/**
 * Cron job `pii_reencrypt`: every hour, rewrite under the current PII key what is still under an old one
 * (domain/accounts/pii_reencrypt.ts), at most `PII_REENCRYPT_MAX_ROWS_PER_RUN` rows a run, resuming where
 * the last run stopped. Once every target is finished for the current key version a run reads only the
 * progress table. The detail in `job_runs` lists what is finished and what remains; values no key opens are
 * logged as a warning.
 */
import { reencryptPii } from "../domain/accounts/pii_reencrypt.ts";
import { defineCronJob } from "./cron.ts";
import { logJob } from "./deps.ts";

/** Hourly, at minute 17 (a run key per hour). */
export const piiReencryptJob = defineCronJob({
  name: "pii_reencrypt",
  schedule: "17 * * * *",
  runKey: (at) => at.toISOString().slice(0, 13),
  async run(deps) {
    const report = await reencryptPii(deps.sql, deps.pii);
    if (report.unreadable > 0) {
      logJob("warn", "pii_reencrypt_unreadable", {
        keyVersion: report.keyVersion,
        values: report.unreadable,
      });
    }
    return { ...report };
  },
});
