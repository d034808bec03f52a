import * as assert from "node:assert/strict";
import { addBlacklistEntry, listBlacklist, removeBlacklistEntry } from "../../../domain/risk/blacklist.ts";
import { gatherRiskSignals } from "../../../domain/risk/signals.ts";
import { createSandboxBlacklist } from "../../../integrations/sandbox_blacklist.ts";
import { createSandboxCreditBureau } from "../../../integrations/sandbox_credit_bureau.ts";
import { dbTest, randomPhone } from "../../helpers/db.ts";
import { testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";
import { insertApplication, randomIdNumber, verifiedBorrower } from "./risk_fixtures.ts";

const deps = {
  creditBureau: createSandboxCreditBureau(),
  blacklist: createSandboxBlacklist(),
  pii: testCipher,
};

dbTest(
  "internal blacklist: add and remove with reasons (audited, masked, never deleted); applicants hit by ID or phone",
  async (sql) => {
    const staff = await insertStaff(sql, "risk");
    const actor = await actorFor(sql, staff, "risk");
    const b = await verifiedBorrower(sql);
    const appId = await insertApplication(sql, b.userId);
    const before = await gatherRiskSignals(sql, deps, { userId: b.userId, applicationId: appId });
    assert.equal(before.internalBlacklist.hit, false);

    const invalid = await addBlacklistEntry(
      sql,
      testCipher,
      { idNumber: "123", phone: "", reason: "" },
      actor,
    );
    assert.equal(!invalid.ok && invalid.code, "invalid_input");
    assert.ok(
      !invalid.ok && invalid.code === "invalid_input" && invalid.fields.idNumber && invalid.fields.reason,
    );
    const none = await addBlacklistEntry(sql, testCipher, { idNumber: "", phone: "", reason: "欺诈" }, actor);
    assert.equal(!none.ok && none.code, "invalid_input");

    const added = await addBlacklistEntry(sql, testCipher, {
      idNumber: b.idNumber,
      phone: "",
      reason: "测试：伪造材料",
    }, actor);
    assert.ok(added.ok, JSON.stringify(added));
    const dup = await addBlacklistEntry(sql, testCipher, {
      idNumber: b.idNumber.toLowerCase(),
      phone: "",
      reason: "再次",
    }, actor);
    assert.deepEqual(dup, { ok: false, code: "duplicate" });
    const [audit] = await auditRows(sql, "risk.blacklist.add", `blacklist:${added.entryId}`);
    assert.equal(audit.detail.reason, "测试：伪造材料");
    assert.ok(!JSON.stringify(audit.detail).includes(b.idNumber), "the audit holds only the mask");

    const found = await listBlacklist(sql, testCipher, { query: b.idNumber });
    assert.equal(found.rows.length, 1);
    assert.equal(found.rows[0].idNumberMask, `${b.idNumber.slice(0, 3)}***********${b.idNumber.slice(-4)}`);
    assert.deepEqual((await listBlacklist(sql, testCipher, { query: randomIdNumber() })).rows, []);
    assert.deepEqual((await listBlacklist(sql, testCipher, { query: "张三" })).rows, []);

    const hit = await gatherRiskSignals(sql, deps, { userId: b.userId, applicationId: appId });
    assert.deepEqual(hit.internalBlacklist, { hit: true, entryIds: [added.entryId] });

    // by phone
    const p = await verifiedBorrower(sql);
    const pApp = await insertApplication(sql, p.userId);
    const byPhone = await addBlacklistEntry(sql, testCipher, {
      idNumber: "",
      phone: p.phone,
      reason: "测试：电话",
    }, actor);
    assert.ok(byPhone.ok);
    assert.equal(
      (await gatherRiskSignals(sql, deps, { userId: p.userId, applicationId: pApp })).internalBlacklist.hit,
      true,
    );
    assert.equal(
      (await listBlacklist(sql, testCipher, { query: p.phone })).rows[0].phoneMask,
      `${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`,
    );

    // removal needs a reason and a permitted staff member; the row stays
    const finance = await actorFor(sql, await insertStaff(sql, "finance"), "finance");
    assert.deepEqual(await removeBlacklistEntry(sql, { entryId: added.entryId, reason: "误加" }, finance), {
      ok: false,
      code: "forbidden",
    });
    assert.deepEqual(
      await addBlacklistEntry(
        sql,
        testCipher,
        { idNumber: "", phone: randomPhone(), reason: "越权" },
        finance,
      ),
      { ok: false, code: "forbidden" },
    );
    const noReason = await removeBlacklistEntry(sql, { entryId: added.entryId, reason: " " }, actor);
    assert.equal(!noReason.ok && noReason.code, "invalid_input");
    assert.ok((await removeBlacklistEntry(sql, { entryId: added.entryId, reason: "核实后误加" }, actor)).ok);
    assert.deepEqual(
      await removeBlacklistEntry(sql, { entryId: added.entryId, reason: "再次移除" }, actor),
      { ok: false, code: "already_removed" },
    );
    assert.equal((await auditRows(sql, "risk.blacklist.remove", `blacklist:${added.entryId}`)).length, 1);
    assert.deepEqual((await listBlacklist(sql, testCipher, { query: b.idNumber })).rows, []);
    const all = await listBlacklist(sql, testCipher, { query: b.idNumber, includeRemoved: true });
    assert.equal(all.rows[0].removedReason, "核实后误加");
    assert.equal(
      (await gatherRiskSignals(sql, deps, { userId: b.userId, applicationId: appId })).internalBlacklist.hit,
      false,
    );
  },
);
