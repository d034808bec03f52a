/** Risk assessments, bid permission and the staff-configured level rules, on both databases. */
import assert from "node:assert/strict";
import {
  investorBidPermission,
  latestAssessment,
  listRiskLevelRules,
  riskLevelRuleHistory,
  ruleForLevel,
  submitRiskAssessment,
  updateRiskLevelRule,
} from "../../../domain/investor/risk_assessment.ts";
import { QUESTIONNAIRE_VERSION } from "../../../domain/investor/risk_questionnaire.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";
import { BOLD_ANSWERS, CAUTIOUS_ANSWERS, staffActor } from "./helpers.ts";

dbTest(
  "an unanswered questionnaire stores nothing; a complete one stores answers, score, level, version",
  async (sql) => {
    const { userId } = await createUser(sql);
    assert.deepEqual(await investorBidPermission(sql, userId), { ok: false, code: "not_assessed" });
    const partial = { ...BOLD_ANSWERS };
    delete partial.loss_tolerance;
    const r = await submitRiskAssessment(sql, { userId, answers: partial });
    assert.ok(!r.ok && r.code === "incomplete");
    assert.deepEqual(Object.keys(r.fields), ["loss_tolerance"]);
    assert.equal(await latestAssessment(sql, userId), null);

    const at = new Date("2026-06-10T02:00:00Z");
    const ok = await submitRiskAssessment(sql, { userId, answers: BOLD_ANSWERS, now: at });
    assert.ok(ok.ok);
    assert.equal(ok.assessment.level, "C5");
    assert.equal(ok.assessment.version, QUESTIONNAIRE_VERSION);
    assert.deepEqual(ok.assessment.answers, BOLD_ANSWERS);
    assert.equal(ok.assessment.expiresAt.toISOString(), "2027-06-10T02:00:00.000Z");

    const perm = await investorBidPermission(sql, userId, new Date("2026-12-01T00:00:00Z"));
    assert.ok(perm.ok);
    const rule = await ruleForLevel(sql, "C5");
    assert.deepEqual(perm, {
      ok: true,
      level: "C5",
      allowedGrades: rule!.allowedGrades,
      perBidLimitFen: rule!.perBidLimitFen,
      totalOutstandingLimitFen: rule!.totalOutstandingLimitFen,
      expiresAt: new Date("2027-06-10T02:00:00Z"),
    });
    assert.equal(typeof perm.perBidLimitFen, "bigint");

    // 12 months later the result is expired: must redo
    const expired = await investorBidPermission(sql, userId, new Date("2027-06-10T02:00:00Z"));
    assert.deepEqual(expired, { ok: false, code: "expired", expiredAt: new Date("2027-06-10T02:00:00Z") });

    // a new questionnaire replaces it
    const again = await submitRiskAssessment(sql, { userId, answers: CAUTIOUS_ANSWERS });
    assert.ok(again.ok);
    const now = await investorBidPermission(sql, userId);
    assert.ok(now.ok);
    assert.equal(now.level, "C1");
    assert.deepEqual(now.allowedGrades, (await ruleForLevel(sql, "C1"))!.allowedGrades);
  },
);

dbTest("borrowers cannot take the investor questionnaire", async (sql) => {
  const { userId } = await createUser(sql, "borrower");
  const r = await submitRiskAssessment(sql, { userId, answers: BOLD_ANSWERS });
  assert.deepEqual(r, { ok: false, code: "not_investor" });
});

dbTest("the default rules cover C1–C5 with widening grades", async (sql) => {
  const rules = await listRiskLevelRules(sql);
  assert.deepEqual(rules.map((r) => r.level), ["C1", "C2", "C3", "C4", "C5"]);
  for (const r of rules) {
    assert.ok(r.allowedGrades.length >= 1);
    assert.ok(r.perBidLimitFen <= r.totalOutstandingLimitFen);
  }
});

dbTest(
  "updateRiskLevelRule: permission, validation, history and audit; unchanged writes nothing",
  async (sql) => {
    const ops = await staffActor(sql, "operations");
    const risk = await staffActor(sql, "risk");
    const input = {
      level: "C3",
      grades: ["R1", "R2", "R3"],
      perBidLimit: "80000",
      totalLimit: "400000.50",
      reason: "季度调整",
    };
    assert.deepEqual(await updateRiskLevelRule(sql, input, ops), { ok: false, code: "forbidden" });

    const bad = await updateRiskLevelRule(sql, {
      level: "C9",
      grades: ["R7"],
      perBidLimit: "1.234",
      totalLimit: "-5",
      reason: "x",
    }, risk);
    assert.ok(!bad.ok && bad.code === "invalid_input");
    assert.deepEqual(Object.keys(bad.fields).sort(), [
      "grades",
      "level",
      "perBidLimit",
      "reason",
      "totalLimit",
    ]);
    const none = await updateRiskLevelRule(sql, { ...input, grades: [] }, risk);
    assert.ok(!none.ok && none.code === "invalid_input" && none.fields.grades);
    const inverted = await updateRiskLevelRule(sql, { ...input, perBidLimit: "500000" }, risk);
    assert.ok(!inverted.ok && inverted.code === "invalid_input");
    assert.deepEqual(inverted.fields.perBidLimit, ["单笔限额不能大于累计持有限额"]);

    const before = await ruleForLevel(sql, "C3");
    const audits = async () =>
      (await sql<{ n: bigint }[]>`select count(*) as n from audit_log where action = 'risk_rules.update'
      and staff_id = ${risk.staff.id}`)[0].n;
    const ok = await updateRiskLevelRule(sql, input, risk);
    assert.deepEqual(ok, { ok: true, changed: true });
    const after = await ruleForLevel(sql, "C3");
    assert.deepEqual(after!.allowedGrades, ["R1", "R2", "R3"]);
    assert.equal(after!.perBidLimitFen, 8_000_000n);
    assert.equal(after!.totalOutstandingLimitFen, 40_000_050n);
    assert.equal(after!.staffId, risk.staff.id);
    assert.equal(await audits(), 1n);
    const history = await riskLevelRuleHistory(sql);
    assert.ok(history.some((h) => h.id === before!.id), "the old rule stays in the history");

    assert.deepEqual(await updateRiskLevelRule(sql, input, risk), { ok: true, changed: false });
    assert.equal(await audits(), 1n);
    // restore the defaults for the other tests sharing the database
    await updateRiskLevelRule(sql, {
      level: "C3",
      grades: before!.allowedGrades,
      perBidLimit: String(before!.perBidLimitFen / 100n),
      totalLimit: String(before!.totalOutstandingLimitFen / 100n),
      reason: "恢复默认",
    }, risk);
  },
);
