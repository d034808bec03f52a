import * as assert from "node:assert/strict";
import {
  compare,
  DEFAULT_RULES,
  describeCondition,
  evaluateRules,
  type Rule,
  RULE_FIELD_NAMES,
  type RuleFacts,
  ruleSchema,
  ruleSetSchema,
  severer,
} from "../../../domain/risk/rules.ts";
import { parseRuleValue, ruleValueText, yuanToFen } from "../../../domain/risk/risk_forms.ts";

function facts(overrides: Partial<Record<string, unknown>> = {}): RuleFacts {
  const base = Object.fromEntries(RULE_FIELD_NAMES.map((f) => [f, null]));
  return { ...base, ...overrides } as RuleFacts;
}

function rule(partial: Partial<Rule>): Rule {
  return {
    code: "T1",
    description: "测试",
    field: "applicant_age",
    operator: "gt",
    value: 30,
    outcome: "reject",
    reasonCode: "测试原因",
    ...partial,
  };
}

Deno.test("rules: every operator compares as documented", () => {
  assert.equal(compare(31, "gt", 30), true);
  assert.equal(compare(30, "gt", 30), false);
  assert.equal(compare(30, "gte", 30), true);
  assert.equal(compare(29, "gte", 30), false);
  assert.equal(compare(29, "lt", 30), true);
  assert.equal(compare(30, "lt", 30), false);
  assert.equal(compare(30, "lte", 30), true);
  assert.equal(compare(31, "lte", 30), false);
  assert.equal(compare(true, "eq", true), true);
  assert.equal(compare(false, "eq", true), false);
  assert.equal(compare("car_loan", "neq", "personal_credit"), true);
  assert.equal(compare("car_loan", "neq", "car_loan"), false);
  assert.equal(compare("car_loan", "in", ["car_loan", "small_business"]), true);
  assert.equal(compare("personal_credit", "in", ["car_loan", "small_business"]), false);
  assert.equal(compare(12, "in", [6, 12]), true);
  // unknown values never hold, whatever the operator
  for (const op of ["gt", "gte", "lt", "lte", "eq", "neq", "in"] as const) {
    assert.equal(compare(null, op, op === "in" ? [1] : 1), false);
  }
  // a string never compares by order
  assert.equal(compare("30", "gt", 1), false);
});

Deno.test("rules: the most severe outcome among the rules that hold decides; every result is kept", () => {
  const rules = [
    rule({
      code: "A",
      field: "applicant_age",
      operator: "gt",
      value: 60,
      outcome: "reject",
      reasonCode: "年龄",
    }),
    rule({
      code: "B",
      field: "debt_ratio",
      operator: "gt",
      value: 50,
      outcome: "manual_review",
      reasonCode: "负债",
    }),
    rule({ code: "C", field: "score", operator: "gte", value: 700, outcome: "pass", reasonCode: "高分" }),
    rule({
      code: "D",
      field: "bureau_overdue_count_6m",
      operator: "gte",
      value: 1,
      outcome: "reject",
      reasonCode: "逾期",
    }),
  ];
  const none = evaluateRules(rules, facts({ applicant_age: 30, debt_ratio: 10, score: 600 }));
  assert.equal(none.outcome, "pass");
  assert.equal(none.results.length, 4);
  assert.deepEqual(none.reasons, []);
  assert.equal(none.results[3].missing, true);

  const review = evaluateRules(rules, facts({ applicant_age: 30, debt_ratio: 60, score: 750 }));
  assert.equal(review.outcome, "manual_review");
  assert.deepEqual(review.reasons, ["负债"]);
  assert.deepEqual(review.results.map((r) => r.hit), [false, true, true, false]);

  const reject = evaluateRules(
    rules,
    facts({ applicant_age: 65, debt_ratio: 60, bureau_overdue_count_6m: 2 }),
  );
  assert.equal(reject.outcome, "reject");
  assert.deepEqual(reject.reasons, ["年龄", "逾期"]);
  assert.equal(reject.results[0].actual, 65);

  assert.equal(severer("pass", "manual_review"), "manual_review");
  assert.equal(severer("reject", "manual_review"), "reject");
  assert.equal(severer("pass", "pass"), "pass");
});

Deno.test("rules: the default set validates; bad rules are refused with Chinese messages", () => {
  assert.ok(ruleSetSchema.safeParse(DEFAULT_RULES).success);
  const bad = [
    rule({ field: "nope" as never }),
    rule({ operator: "like" as never }),
    rule({ outcome: "maybe" as never }),
    rule({ code: "bad code!" }),
    rule({ reasonCode: "" }),
    rule({ field: "internal_blacklist_hit", operator: "gt", value: true }),
    rule({ field: "internal_blacklist_hit", operator: "eq", value: 1 }),
    rule({ field: "product_kind", operator: "eq", value: "mortgage" }),
    rule({ field: "amount_fen", operator: "gt", value: 1.5 }),
    rule({ field: "applicant_age", operator: "in", value: 30 }),
    rule({ field: "applicant_age", operator: "eq", value: [30, 40] }),
  ];
  for (const b of bad) assert.equal(ruleSchema.safeParse(b).success, false, JSON.stringify(b));
  const dup = ruleSetSchema.safeParse([rule({}), rule({})]);
  assert.equal(dup.success, false);
  assert.match(JSON.stringify(dup.error?.issues), /规则编号重复/);
  assert.equal(ruleSetSchema.safeParse([]).success, false);
});

Deno.test("rules: form values are read in yuan, 是/否 and lists, and shown back the same way", () => {
  assert.deepEqual(parseRuleValue("amount_fen", "gt", "12345.67"), { ok: true, value: 1_234_567 });
  assert.deepEqual(parseRuleValue("internal_blacklist_hit", "eq", "是"), { ok: true, value: true });
  assert.deepEqual(parseRuleValue("product_kind", "in", "车贷, small_business"), {
    ok: true,
    value: ["car_loan", "small_business"],
  });
  assert.deepEqual(parseRuleValue("term_count", "in", "6，12"), { ok: true, value: [6, 12] });
  assert.equal(parseRuleValue("amount_fen", "gt", "abc").ok, false);
  assert.equal(parseRuleValue("amount_fen", "gt", "1.234").ok, false);
  assert.equal(parseRuleValue("nope", "gt", "1").ok, false);
  assert.equal(ruleValueText("amount_fen", "gt", 1_234_560), "12345.6");
  assert.equal(ruleValueText("internal_blacklist_hit", "eq", false), "否");
  assert.equal(yuanToFen("1,000"), 100_000);
  assert.equal(
    describeCondition({ field: "bureau_outstanding_fen", operator: "gt", value: 50_000_000 }),
    "征信：他平台借款余额 > 500,000元",
  );
});
