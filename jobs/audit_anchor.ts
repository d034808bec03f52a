/**
 * Cron job `audit_anchor`: once a day, publish the head of the audit log's hash chain outside the
 * database — appended to `DATA_DIR/audit_anchors/anchors.jsonl` and written as one structured log line
 * (`"event":"audit_anchor"`, the anchor in its `anchor` field), which the operator ships to write-once
 * storage. `deno task audit:verify` then checks the chain against every anchor, so a chain rewritten and
 * re-hashed by someone with the database owner's rights no longer verifies (see
 * `domain/staff/audit_anchors.ts` for the format).
 */
import { auditAnchorsDir, publishAuditAnchor } from "../domain/staff/audit_anchors.ts";
import { defineCronJob } from "./cron.ts";
import { logJob } from "./deps.ts";

/** Daily at 00:30 Asia/Shanghai (16:30 UTC): the head as the day closed. */
export const auditAnchorJob = defineCronJob({
  name: "audit_anchor",
  schedule: "30 16 * * *",
  async run(deps, runKey) {
    const anchor = await publishAuditAnchor(deps.sql, auditAnchorsDir(deps.config.dataDir), { day: runKey });
    logJob("info", "audit_anchor", { anchor });
    return { lastId: anchor.lastId, hash: anchor.hash, rows: anchor.rows };
  },
});
