import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { appendAudit, verifyAuditChain } from "../../domain/staff/audit_log.ts";
import { AUDIT_ANCHOR_FILE, auditAnchorsDir, readAuditAnchors } from "../../domain/staff/audit_anchors.ts";
import { auditAnchorJob } from "../../jobs/audit_anchor.ts";
import { runCronJob } from "../../jobs/cron.ts";
import { cronJobs } from "../../jobs/mod.ts";
import { dbTest } from "../helpers/db.ts";
import { makeDeps, uniq } from "./fixtures.ts";

dbTest(
  "audit_anchor: the daily job appends the chain head to DATA_DIR/audit_anchors and logs it",
  async (sql) => {
    assert.ok(cronJobs.includes(auditAnchorJob), "registered with the app's crons");
    const dataDir = await Deno.makeTempDir({ prefix: "anchor_job_" });
    const base = await makeDeps(sql);
    const deps = { ...base, config: { ...base.config, dataDir } };
    const logged: string[] = [];
    const originalLog = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      const head = await transaction(
        sql,
        (tx) =>
          appendAudit(tx, { staffId: null, action: "test.anchor_job", target: null, detail: {}, ip: null }),
      );
      const runKey = `test-${uniq()}`;
      const first = await runCronJob(deps, auditAnchorJob, runKey);
      const again = await runCronJob(deps, auditAnchorJob, runKey);
      console.log = originalLog;
      assert.ok(first.ok, JSON.stringify(first));
      assert.deepEqual(again, { ok: false, code: "already_done", runKey }, "once per day");
      assert.equal(first.detail.lastId, head.id);
      assert.equal(first.detail.hash, head.hash);

      const text = await Deno.readTextFile(`${auditAnchorsDir(dataDir)}/${AUDIT_ANCHOR_FILE}`);
      const lines = text.trimEnd().split("\n");
      assert.equal(lines.length, 1);
      const anchor = JSON.parse(lines[0]);
      assert.equal(anchor.type, "audit_anchor");
      assert.equal(anchor.day, runKey);
      assert.equal(anchor.lastId, head.id);
      assert.equal(anchor.hash, head.hash);
      assert.ok(anchor.rows >= 1);
      assert.ok(!Number.isNaN(Date.parse(anchor.at)));

      // the structured log line carries the same anchor (what the operator ships to write-once storage)
      const line = logged.map((l) => JSON.parse(l)).find((l) => l.event === "audit_anchor");
      assert.ok(line, logged.join("\n"));
      assert.deepEqual(line.anchor, anchor);
      const shipped = `${dataDir}/shipped.log`;
      await Deno.writeTextFile(shipped, logged.join("\n") + "\n");
      const read = await readAuditAnchors([shipped]);
      assert.deepEqual(read, { anchors: [anchor], invalid: [] });

      const result = await verifyAuditChain(sql, read);
      assert.ok(result.ok && result.anchorsChecked === 1, JSON.stringify(result));
    } finally {
      console.log = originalLog;
      base.kv.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);
