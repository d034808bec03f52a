import * as assert from "node:assert/strict";
import { transaction } from "../../../db/tx.ts";
import { autoReviewApplication, latestDecision } from "../../../domain/risk/auto_review.ts";
import {
  activeRuleSet,
  activeScorecard,
  changeRule,
  ruleSetHistory,
  saveScorecard,
} from "../../../domain/risk/rule_sets.ts";
import { gatherRiskSignals } from "../../../domain/risk/signals.ts";
import { createSandboxBlacklist } from "../../../integrations/sandbox_blacklist.ts";
import { createSandboxCreditBureau } from "../../../integrations/sandbox_credit_bureau.ts";
import { dbTest } from "../../helpers/db.ts";
import { testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";
import { insertApplication, verifiedBorrower } from "./risk_fixtures.ts";

const deps = {
  creditBureau: createSandboxCreditBureau(),
  blacklist: createSandboxBlacklist(),
  pii: testCipher,
};

/** A rule only this test's applications hit (an unusual amount), so other tests sharing the database are unaffected. */
function oddAmountRule(code: string, amountFen: number) {
  return {
    code,
    description: "测试：特定金额",
    field: "amount_fen",
    operator: "eq",
    value: amountFen,
    outcome: "reject",
    reasonCode: `测试规则 ${code} 命中`,
  };
}

dbTest(
  "rule sets: adding, editing and removing a rule each make a new active version (audited), used by the next decision",
  async (sql) => {
    const staff = await insertStaff(sql, "risk");
    const actor = await actorFor(sql, staff, "risk");
    const code = `T${crypto.randomUUID().slice(0, 6)}`;
    // an odd amount (never whole yuan), so no other test's application hits the rule while it is active
    const amount = (10_000 + Math.floor(Math.random() * 9_000)) * 100 + 37;
    const before = await activeRuleSet(sql);

    const added = await changeRule(sql, {
      baseVersion: before.version,
      rule: oddAmountRule(code, amount),
      note: "测试新增",
    }, actor);
    assert.ok(added.ok, JSON.stringify(added));
    const v1 = await activeRuleSet(sql);
    assert.equal(v1.version, added.version);
    assert.ok(v1.version > before.version);
    assert.equal(v1.config.length, before.config.length + 1);
    const history = await ruleSetHistory(sql);
    assert.equal(history.find((h) => h.version === before.version)?.status, "retired");
    const audits = await auditRows(sql, "risk.rules.save", `risk_rule_sets:${v1.version}`);
    assert.equal(audits.length, 1);
    assert.equal(audits[0].detail.change, `add ${code}`);

    // the next decision uses the new version and hits the rule
    const b = await verifiedBorrower(sql);
    const appId = await insertApplication(sql, b.userId, { amountFen: BigInt(amount) });
    const signals = await gatherRiskSignals(sql, deps, { userId: b.userId, applicationId: appId });
    const result = await transaction(
      sql,
      (tx) => autoReviewApplication(tx, { applicationId: appId, signals }),
    );
    assert.equal(result.outcome, "reject");
    assert.ok(result.reasons.includes(`测试规则 ${code} 命中`));
    const decision = await latestDecision(sql, appId);
    assert.ok(decision && decision.ruleSetVersion >= v1.version);
    assert.equal(decision.ruleResults.find((r) => r.code === code)?.hit, true);

    // a save based on an old version is refused
    assert.deepEqual(
      await changeRule(sql, { baseVersion: before.version, rule: oddAmountRule(`${code}x`, amount) }, actor),
      { ok: false, code: "stale" },
    );
    // editing: invalid input changes nothing
    const invalid = await changeRule(sql, {
      baseVersion: v1.version,
      originalCode: code,
      rule: { ...oddAmountRule(code, amount), operator: "gt", value: "abc" },
    }, actor);
    assert.equal(invalid.ok, false);
    assert.equal(!invalid.ok && invalid.code, "invalid_input");
    assert.equal((await activeRuleSet(sql)).version, v1.version);
    // a code that already exists
    const clash = await changeRule(sql, {
      baseVersion: v1.version,
      rule: { ...oddAmountRule("R001", amount) },
    }, actor);
    assert.deepEqual(clash, { ok: false, code: "invalid_input", fields: { code: ["规则编号已存在"] } });

    const edited = await changeRule(sql, {
      baseVersion: v1.version,
      originalCode: code,
      rule: { ...oddAmountRule(code, amount), outcome: "manual_review" },
    }, actor);
    assert.ok(edited.ok);
    assert.equal((await activeRuleSet(sql)).config.find((r) => r.code === code)?.outcome, "manual_review");
    const removed = await changeRule(
      sql,
      { baseVersion: edited.version, originalCode: code, remove: true },
      actor,
    );
    assert.ok(removed.ok);
    const after = await activeRuleSet(sql);
    assert.equal(after.config.some((r) => r.code === code), false);
    assert.deepEqual(
      await changeRule(sql, { baseVersion: after.version, originalCode: code, remove: true }, actor),
      { ok: false, code: "not_found" },
    );
  },
);

dbTest("rule sets: staff without risk.rules are refused; scorecards version the same way", async (sql) => {
  const finance = await insertStaff(sql, "finance");
  const financeActor = await actorFor(sql, finance, "finance");
  const active = await activeRuleSet(sql);
  assert.deepEqual(
    await changeRule(sql, { baseVersion: active.version, rule: oddAmountRule("TZ", 1) }, financeActor),
    { ok: false, code: "forbidden" },
  );
  const card = await activeScorecard(sql);
  assert.deepEqual(
    await saveScorecard(sql, { baseVersion: card.version, config: card.config }, financeActor),
    { ok: false, code: "forbidden" },
  );
  const risk = await insertStaff(sql, "risk");
  const riskActor = await actorFor(sql, risk, "risk");
  const bad = await saveScorecard(sql, {
    baseVersion: card.version,
    config: { ...card.config, cutoffs: { A: 1, B: 2, C: 3, D: 4 } },
  }, riskActor);
  assert.equal(!bad.ok && bad.code, "invalid_input");
  // the same configuration saved again: a new version with identical content (other tests are unaffected)
  const saved = await saveScorecard(
    sql,
    { baseVersion: card.version, config: card.config, note: "测试保存" },
    riskActor,
  );
  assert.ok(saved.ok);
  const now = await activeScorecard(sql);
  assert.equal(now.version, saved.version);
  assert.deepEqual(now.config, card.config);
  assert.equal((await auditRows(sql, "risk.scorecard.save", `scorecards:${saved.version}`)).length, 1);
});
