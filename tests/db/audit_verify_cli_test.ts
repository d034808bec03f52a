import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/connection.ts";
import { migrate } from "../../db/migrate.ts";
import { anchorPathsFromArgs, runAuditVerify } from "../../db/audit_verify_cli.ts";
import { transaction } from "../../db/tx.ts";
import { appendAudit } from "../../domain/staff/audit_log.ts";
import { AUDIT_ANCHOR_FILE, auditAnchorsDir, publishAuditAnchor } from "../../domain/staff/audit_anchors.ts";
import { databaseUrl } from "./scratch.ts";

const backend = databaseUrl ? "postgres" : "pglite";

Deno.test({
  name: `audit:verify (${backend}): passes with the published anchors, fails naming a mismatching one`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "audit_verify_" });
    try {
      // the database the command will open: the run's Postgres database, or an embedded one in dataDir
      const db = await openDatabase({ databaseUrl, dataDir, maxConnections: 2 });
      try {
        await migrate(db.sql);
        await transaction(
          db.sql,
          (tx) =>
            appendAudit(tx, { staffId: null, action: "test.verify_cli", target: null, detail: {}, ip: null }),
        );
        await publishAuditAnchor(db.sql, auditAnchorsDir(dataDir), { day: "2026-11-27" });
      } finally {
        await db.close();
      }
      const config = { ...loadConfig({ APP_ENV: "test" }), databaseUrl, dataDir };
      const ok = await runAuditVerify(config);
      assert.equal(ok.exitCode, 0, ok.lines.join("\n"));
      assert.match(ok.lines[0], /校验通过：\d+ 条记录，核对锚点 1 个/);

      // a forged anchor in an extra file: same id, another hash → exit 1, the anchor named
      const published = JSON.parse(
        (await Deno.readTextFile(`${auditAnchorsDir(dataDir)}/${AUDIT_ANCHOR_FILE}`)).trim(),
      );
      const extra = `${dataDir}/shipped.jsonl`;
      await Deno.writeTextFile(
        extra,
        JSON.stringify({ ...published, day: "2026-11-26", hash: "b".repeat(64) }) + "\n",
      );
      const bad = await runAuditVerify(config, anchorPathsFromArgs(["--anchors", extra]));
      assert.equal(bad.exitCode, 1);
      assert.match(bad.lines[0], new RegExp(`id=${published.lastId} 处断裂（anchor_mismatch`));
      assert.match(bad.lines[0], /锚点 2026-11-26/);

      // an unreadable anchor line fails the check too
      await Deno.writeTextFile(extra, '{"type":"audit_anchor","v":1,"lastId":"x"}\n');
      const unreadable = await runAuditVerify(config, [extra]);
      assert.equal(unreadable.exitCode, 1);
      assert.match(unreadable.lines.join("\n"), /无法读取的锚点（.*shipped\.jsonl:1）/);
      assert.throws(() => anchorPathsFromArgs(["--nope"]), /unknown argument/);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
