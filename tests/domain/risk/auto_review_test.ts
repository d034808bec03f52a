import * as assert from "node:assert/strict";
import { transaction } from "../../../db/tx.ts";
import { autoReviewApplication, latestDecision } from "../../../domain/risk/auto_review.ts";
import { gatherRiskSignals } from "../../../domain/risk/signals.ts";
import { DEFAULT_RULES } from "../../../domain/risk/rules.ts";
import { DEFAULT_SCORECARD } from "../../../domain/risk/scorecard.ts";
import { createSandboxBlacklist } from "../../../integrations/sandbox_blacklist.ts";
import { createSandboxCreditBureau } from "../../../integrations/sandbox_credit_bureau.ts";
import { dbTest } from "../../helpers/db.ts";
import { testCipher } from "../../helpers/forms.ts";
import { insertApplication, randomDeviceId, verifiedBorrower } from "./risk_fixtures.ts";
import type { Db } from "../../../db/tx.ts";

const deps = {
  creditBureau: createSandboxCreditBureau(),
  blacklist: createSandboxBlacklist(),
  pii: testCipher,
};

async function review(sql: Db, userId: string, applicationId: string) {
  const signals = await gatherRiskSignals(sql, deps, { userId, applicationId });
  const result = await transaction(sql, (tx) => autoReviewApplication(tx, { applicationId, signals }));
  const [app] = await sql<
    { status: string }[]
  >`select status from loan_applications where id = ${applicationId}`;
  return { signals, result, status: app.status };
}

dbTest("auto review: the seeded version 1 equals DEFAULT_RULES and DEFAULT_SCORECARD", async (sql) => {
  const [rules] = await sql<{ rules: unknown }[]>`select rules from risk_rule_sets where version = 1`;
  assert.deepEqual(rules.rules, DEFAULT_RULES);
  const [card] = await sql<{ config: unknown }[]>`select config from scorecards where version = 1`;
  assert.deepEqual(card.config, DEFAULT_SCORECARD);
});

dbTest(
  "auto review: a clean applicant goes to manual review with a good grade and every rule's result",
  async (sql) => {
    const b = await verifiedBorrower(sql);
    const appId = await insertApplication(sql, b.userId, { deviceId: randomDeviceId() });
    const { signals, result, status } = await review(sql, b.userId, appId);
    assert.ok(signals.bureau, "bureau answered");
    assert.equal(signals.externalBlacklist?.hit, false);
    assert.equal(result.outcome, "pass");
    assert.equal(status, "manual_review");
    assert.ok(["A", "B"].includes(result.grade), `grade ${result.grade} score ${result.score}`);
    assert.ok(result.rateRange && result.rateRange.minRateMicros > 0);
    const decision = await latestDecision(sql, appId);
    assert.ok(decision);
    assert.equal(decision.id, result.decisionId);
    assert.equal(decision.ruleResults.length, decision.ruleResults.length);
    assert.ok(decision.ruleResults.length >= 1);
    assert.ok(decision.ruleResults.every((r) => r.hit === false));
    assert.equal(decision.score, result.score);
    assert.equal(
      typeof (decision.signals.bureau as Record<string, unknown>).otherPlatformOutstandingFen,
      "number",
    );
    const [event] = await sql<{ kind: string; detail: { decisionId: string } }[]>`
    select kind, detail from loan_events where application_id = ${appId}`;
    assert.equal(event.kind, "auto_review");
    assert.equal(event.detail.decisionId, result.decisionId);
  },
);

dbTest("auto review: bureau unavailable → bureau null and manual review", async (sql) => {
  const b = await verifiedBorrower(sql, { realName: "系统繁忙" });
  const appId = await insertApplication(sql, b.userId);
  const { signals, result, status } = await review(sql, b.userId, appId);
  assert.equal(signals.bureau, null);
  assert.equal(signals.externalBlacklist, null);
  assert.equal(result.outcome, "manual_review");
  assert.equal(status, "manual_review");
  assert.ok(result.reasons.includes("征信报告暂不可用，转人工审核"));
  const decision = await latestDecision(sql, appId);
  const bureauRule = decision!.ruleResults.find((r) => r.field === "bureau_max_overdue_days")!;
  assert.equal(bureauRule.missing, true);
  assert.equal(bureauRule.hit, false);
});

dbTest("auto review: serious overdue history and external blacklist are rejected", async (sql) => {
  const overdue = await verifiedBorrower(sql, { realName: "逾期记录" });
  const a1 = await insertApplication(sql, overdue.userId);
  const r1 = await review(sql, overdue.userId, a1);
  assert.equal(r1.result.outcome, "reject");
  assert.equal(r1.status, "auto_rejected");
  assert.ok(r1.result.reasons.includes("近6个月有超过30天的逾期"));

  const listed = await verifiedBorrower(sql, { realName: "黑名单" });
  const a2 = await insertApplication(sql, listed.userId);
  const r2 = await review(sql, listed.userId, a2);
  assert.equal(r2.result.outcome, "reject");
  assert.ok(r2.result.reasons.includes("命中外部黑名单"));

  const debt = await verifiedBorrower(sql, { realName: "多头借贷" });
  const a3 = await insertApplication(sql, debt.userId);
  const r3 = await review(sql, debt.userId, a3);
  assert.equal(r3.signals.bureau?.otherPlatformOutstandingFen, 120_000_000n);
  assert.equal(r3.result.outcome, "manual_review");
  assert.ok(r3.result.reasons.includes("他平台借款余额超过50万元"));
});

dbTest("auto review: other applicants on the same device within 7 days are counted", async (sql) => {
  const device = randomDeviceId();
  const others = [await verifiedBorrower(sql), await verifiedBorrower(sql), await verifiedBorrower(sql)];
  for (const o of others) await insertApplication(sql, o.userId, { deviceId: device, status: "draft" });
  // an old application on the device (8 days ago) does not count
  const old = await verifiedBorrower(sql);
  const oldApp = await insertApplication(sql, old.userId, { deviceId: device, status: "draft" });
  await sql`update loan_applications set created_at = now() - interval '8 days' where id = ${oldApp}`;
  const b = await verifiedBorrower(sql);
  const appId = await insertApplication(sql, b.userId, { deviceId: device });
  const { signals, result } = await review(sql, b.userId, appId);
  assert.equal(signals.sameDeviceApplicants7d, 3);
  assert.equal(result.outcome, "reject");
  assert.ok(result.reasons.includes("7天内同一设备有3个及以上其他申请人"));
});

dbTest(
  "auto review: a high debt ratio is rejected; a second review of a decided application throws",
  async (sql) => {
    const b = await verifiedBorrower(sql);
    const appId = await insertApplication(sql, b.userId, {
      monthlyIncomeFen: 1_000_000n,
      monthlyDebtFen: 800_000n,
    });
    const { signals, result } = await review(sql, b.userId, appId);
    assert.equal(result.outcome, "reject");
    assert.ok(result.reasons.includes("负债收入比超过70%"));
    await assert.rejects(
      transaction(sql, (tx) => autoReviewApplication(tx, { applicationId: appId, signals })),
    );
  },
);
