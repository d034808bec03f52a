/**
 * The risk staff pages: /admin/risk/rules, /admin/risk/scorecard, /admin/risk/blacklist (risk.rules) —
 * permission, forms (PRG, 422 with the message next to the field, nothing changed), new versions used by
 * the next decision, audit.
 */
import * as assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { autoReviewApplication } from "../../domain/risk/auto_review.ts";
import { activeRuleSet, activeScorecard } from "../../domain/risk/rule_sets.ts";
import { gatherRiskSignals } from "../../domain/risk/signals.ts";
import { appTest, hiddenField } from "../helpers/forms.ts";
import { auditRows, staffBrowser } from "../helpers/staff_fixtures.ts";
import { insertApplication, randomIdNumber, verifiedBorrower } from "../domain/risk/risk_fixtures.ts";

appTest("/admin/risk/*: staff without risk.rules are refused (403)", async (app) => {
  const { client } = await staffBrowser(app, app.sql, "finance");
  for (const path of ["/admin/risk/rules", "/admin/risk/scorecard", "/admin/risk/blacklist"]) {
    assert.equal((await client.get(path)).status, 403, path);
  }
  const before = await activeRuleSet(app.sql);
  const posted = await client.post("/admin/risk/rules", {
    baseVersion: String(before.version),
    intent: "save",
  });
  assert.equal(posted.status, 403);
  assert.equal((await activeRuleSet(app.sql)).version, before.version);
});

appTest(
  "/admin/risk/rules: a rule added in the admin is a new version the next decision uses",
  async (app) => {
    const { client, staffId } = await staffBrowser(app, app.sql, "risk");
    const page = await client.get("/admin/risk/rules");
    assert.equal(page.status, 200);
    assert.match(page.html, /href="\/admin\/risk\/rules"[^>]*>风控规则</);
    assert.match(page.html, /data-rule="R001"/);
    assert.match(page.html, /版本历史/);
    const baseVersion = hiddenField(page.html, "baseVersion");
    const code = `W${crypto.randomUUID().slice(0, 6)}`;
    // an odd amount (never whole yuan), so no other test's application hits the rule while it is active
    const fen = (10_000 + Math.floor(Math.random() * 9_000)) * 100 + 43;
    const amount = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
    const fields = {
      baseVersion,
      originalCode: "",
      code,
      description: "测试：特定金额",
      field: "amount_fen",
      operator: "eq",
      value: amount,
      outcome: "reject",
      reasonCode: `网页规则 ${code} 命中`,
      note: "网页测试",
      intent: "save",
    };
    const bad = await client.post("/admin/risk/rules", { ...fields, value: "很多" });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /请填写金额/);
    assert.equal(String((await activeRuleSet(app.sql)).version), baseVersion);

    const ok = await client.post("/admin/risk/rules", fields);
    assert.equal(ok.status, 303);
    const active = await activeRuleSet(app.sql);
    assert.equal(active.version, Number(baseVersion) + 1);
    assert.equal(active.config.find((r) => r.code === code)?.value, fen);
    const [audit] = await auditRows(app.sql, "risk.rules.save", `risk_rule_sets:${active.version}`);
    assert.equal(String(audit.staff_id), String(staffId));

    // a stale form (based on the old version) is refused
    const stale = await client.post("/admin/risk/rules", { ...fields, code: `${code}b` });
    assert.equal(stale.status, 409);
    assert.match(stale.html, /已被他人修改/);

    const b = await verifiedBorrower(app.sql);
    const appId = await insertApplication(app.sql, b.userId, { amountFen: BigInt(fen) });
    const deps = { ...app.services.gateways, pii: app.services.pii };
    const signals = await gatherRiskSignals(app.sql, deps, { userId: b.userId, applicationId: appId });
    const result = await transaction(
      app.sql,
      (tx) => autoReviewApplication(tx, { applicationId: appId, signals }),
    );
    assert.equal(result.outcome, "reject");
    assert.ok(result.reasons.includes(`网页规则 ${code} 命中`));

    // edit form, then remove the rule
    const edit = await client.get(`/admin/risk/rules?edit=${code}`);
    assert.match(edit.html, new RegExp(`编辑规则 ${code}`));
    assert.equal(hiddenField(edit.html, "originalCode"), code);
    const removed = await client.post("/admin/risk/rules", {
      ...fields,
      baseVersion: String(active.version),
      originalCode: code,
      intent: "remove",
    });
    assert.equal(removed.status, 303);
    assert.equal(
      (await activeRuleSet(app.sql)).config.some((r) => r.code === code),
      false,
    );
    const history = await client.get(`/admin/risk/rules?version=${active.version}`);
    assert.match(history.html, new RegExp(`data-rule="${code}"`));
  },
);

appTest("/admin/risk/scorecard: bad cut-offs 422; saving makes a new version (audited)", async (app) => {
  const { client } = await staffBrowser(app, app.sql, "risk");
  const page = await client.get("/admin/risk/scorecard");
  assert.equal(page.status, 200);
  assert.match(page.html, /name="bands_applicant_age"/);
  const card = await activeScorecard(app.sql);
  const textarea = (a: string) => {
    const m = new RegExp(`name="bands_${a}"[^>]*>([^<]*)</textarea>`).exec(page.html);
    return m ? m[1] : "";
  };
  const fields: Record<string, string> = {
    baseVersion: hiddenField(page.html, "baseVersion"),
    basePoints: String(card.config.basePoints),
    cutoffA: String(card.config.cutoffs.A),
    cutoffB: String(card.config.cutoffs.B),
    cutoffC: String(card.config.cutoffs.C),
    cutoffD: String(card.config.cutoffs.D),
    note: "网页测试（内容不变）",
  };
  for (const a of card.config.attributes) {
    fields[`bands_${a.attribute}`] = textarea(a.attribute);
    fields[`missing_${a.attribute}`] = String(a.missingPoints);
  }
  assert.ok(fields.bands_applicant_age.includes("~22:0"), fields.bands_applicant_age);
  const bad = await client.post("/admin/risk/scorecard", {
    ...fields,
    cutoffB: "9999",
    bands_debt_ratio: "x~:1",
  });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /第 1 行的上下限不是数值|格式应为/);
  assert.equal((await activeScorecard(app.sql)).version, card.version);
  const ok = await client.post("/admin/risk/scorecard", fields);
  assert.equal(ok.status, 303, ok.html.slice(0, 500));
  const now = await activeScorecard(app.sql);
  assert.equal(now.version, card.version + 1);
  assert.deepEqual(now.config, card.config);
  assert.equal((await auditRows(app.sql, "risk.scorecard.save", `scorecards:${now.version}`)).length, 1);
});

appTest("/admin/risk/blacklist: add with a reason, find by ID number, remove with a reason", async (app) => {
  const { client } = await staffBrowser(app, app.sql, "risk");
  assert.equal((await client.get("/admin/risk/blacklist")).status, 200);
  const idNumber = randomIdNumber(1979);
  const noReason = await client.post("/admin/risk/blacklist", {
    intent: "add",
    idNumber,
    phone: "",
    reason: "",
  });
  assert.equal(noReason.status, 422);
  assert.match(noReason.html, /请填写原因/);
  const added = await client.post("/admin/risk/blacklist", {
    intent: "add",
    idNumber,
    phone: "",
    reason: "网页测试加入",
  });
  assert.equal(added.status, 303);
  const dup = await client.post("/admin/risk/blacklist", {
    intent: "add",
    idNumber,
    phone: "",
    reason: "重复",
  });
  assert.equal(dup.status, 409);
  const found = await client.get(`/admin/risk/blacklist?q=${idNumber}`);
  const entryId = /data-entry="(\d+)"/.exec(found.html)?.[1];
  assert.ok(entryId, "the entry is listed");
  assert.ok(!found.html.includes(`>${idNumber}<`), "the ID number is masked in the list");
  assert.match(found.html, new RegExp(`${idNumber.slice(0, 3)}\\*+${idNumber.slice(-4)}`));
  const noRemoveReason = await client.post("/admin/risk/blacklist", {
    intent: "remove",
    entryId,
    removeReason: "",
  });
  assert.equal(noRemoveReason.status, 422);
  const removed = await client.post("/admin/risk/blacklist", {
    intent: "remove",
    entryId,
    removeReason: "网页测试移除",
  });
  assert.equal(removed.status, 303);
  assert.equal((await auditRows(app.sql, "risk.blacklist.remove", `blacklist:${entryId}`)).length, 1);
  const after = await client.get(`/admin/risk/blacklist?q=${idNumber}&all=1`);
  assert.match(after.html, /网页测试移除/);
});
