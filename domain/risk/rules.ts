/**
 * The automatic review's rules engine (规则引擎) — pure. A rule compares one field of the application and
 * its risk signals (a closed list, {@link RULE_FIELDS}) with a value by an operator, and names the outcome
 * when it holds (reject / manual_review / pass) with a Chinese reason. Every rule is evaluated; the
 * decision is the most severe outcome among the rules that hold (reject > manual_review > pass; none →
 * pass) and every rule's result is kept for the staff page.
 *
 * A field without a value (e.g. the bureau was unavailable) makes its rules `missing`: they do not hold.
 * Rule sets say themselves what missing data means through the `bureau_available` /
 * `external_blacklist_available` fields (the default set sends both to manual review).
 *
 * Rule sets are stored versioned (`risk_rule_sets`, see `rule_sets.ts`) and validated with
 * {@link ruleSetSchema} wherever they enter.
 * @module
 */
import { z } from "zod";

/** Outcomes of a rule, least severe first. */
export const RULE_OUTCOMES = ["pass", "manual_review", "reject"] as const;
/** An outcome. */
export type RuleOutcome = typeof RULE_OUTCOMES[number];
/** Chinese names of the outcomes. */
export const RULE_OUTCOME_LABELS: Readonly<Record<RuleOutcome, string>> = {
  pass: "通过",
  manual_review: "转人工审核",
  reject: "拒绝",
};

/** Operators. */
export const RULE_OPERATORS = ["gt", "gte", "lt", "lte", "eq", "neq", "in"] as const;
/** An operator. */
export type RuleOperator = typeof RULE_OPERATORS[number];
/** How the operators read. */
export const RULE_OPERATOR_LABELS: Readonly<Record<RuleOperator, string>> = {
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  eq: "=",
  neq: "≠",
  in: "属于",
};

/** Kinds of field values: numbers, money (fen, entered in yuan), yes/no, one of a list. */
export type RuleFieldType = "number" | "money" | "boolean" | "enum";

/** A field rules may test. */
export interface RuleFieldDef {
  label: string;
  type: RuleFieldType;
  /** Unit shown after numbers (岁, %, 天, …). */
  unit?: string;
  /** The allowed values of an enum field, with labels. */
  options?: Readonly<Record<string, string>>;
}

/** Product kinds (loan_products.kind) for the `product_kind` field. */
export const PRODUCT_KIND_OPTIONS: Readonly<Record<string, string>> = {
  personal_credit: "个人信用贷",
  consumer_installment: "消费分期",
  car_loan: "车贷",
  small_business: "小微企业贷",
};

/** The closed list of fields. Money fields hold fen; debt ratio is a percentage (monthly debt ÷ income). */
export const RULE_FIELDS = {
  applicant_age: { label: "申请人年龄", type: "number", unit: "岁" },
  monthly_income_fen: { label: "月收入", type: "money" },
  debt_ratio: { label: "负债收入比", type: "number", unit: "%" },
  amount_fen: { label: "申请金额", type: "money" },
  term_count: { label: "借款期限", type: "number", unit: "期" },
  product_kind: { label: "产品类型", type: "enum", options: PRODUCT_KIND_OPTIONS },
  employment_years: { label: "工作年限", type: "number", unit: "年" },
  bureau_available: { label: "征信报告可用", type: "boolean" },
  bureau_outstanding_fen: { label: "征信：他平台借款余额", type: "money" },
  bureau_loan_count: { label: "征信：他平台借款笔数", type: "number", unit: "笔" },
  bureau_overdue_count_6m: { label: "征信：近6个月逾期次数", type: "number", unit: "次" },
  bureau_max_overdue_days: { label: "征信：近6个月最长逾期天数", type: "number", unit: "天" },
  bureau_queries_1m: { label: "征信：近1个月查询次数", type: "number", unit: "次" },
  internal_blacklist_hit: { label: "命中内部黑名单", type: "boolean" },
  external_blacklist_available: { label: "外部黑名单可查询", type: "boolean" },
  external_blacklist_hit: { label: "命中外部黑名单", type: "boolean" },
  same_device_applicants_7d: { label: "7天内同设备其他申请人数", type: "number", unit: "人" },
  same_ip_applications_7d: { label: "7天内同IP其他申请数", type: "number", unit: "笔" },
  score: { label: "信用评分", type: "number", unit: "分" },
} as const satisfies Record<string, RuleFieldDef>;

/** A field name. */
export type RuleField = keyof typeof RULE_FIELDS;
/** Every field name, in display order. */
export const RULE_FIELD_NAMES = Object.keys(RULE_FIELDS) as RuleField[];

/** A field's value for one application (`null` = unknown). */
export type RuleFieldValue = number | boolean | string | null;
/** The values of every field for one application. */
export type RuleFacts = Readonly<Record<RuleField, RuleFieldValue>>;

/** A rule value: a number (fen for money), a yes/no, a string, or a list for `in`. */
export type RuleValue = number | boolean | string | (number | string)[];

/** One rule. */
export interface Rule {
  /** Short unique code within the set (`R001`). */
  code: string;
  description: string;
  field: RuleField;
  operator: RuleOperator;
  value: RuleValue;
  outcome: RuleOutcome;
  /** The reason shown to staff when the rule holds (Chinese). */
  reasonCode: string;
}

/** Most rules in a set. */
export const MAX_RULES_PER_SET = 100;
/** Most values of an `in` list. */
export const MAX_IN_VALUES = 20;

const scalar = z.union([z.number().finite(), z.boolean(), z.string().max(40)]);

/** One rule, validated: the value must suit the field's type and the operator. */
export const ruleSchema: z.ZodType<Rule> = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, "规则编号为 1–20 位字母、数字、下划线或连字符"),
  description: z.string().trim().min(1, "请填写规则说明").max(100, "规则说明最多 100 个字"),
  field: z.enum(RULE_FIELD_NAMES as [RuleField, ...RuleField[]], { message: "请选择字段" }),
  operator: z.enum(RULE_OPERATORS, { message: "请选择运算符" }),
  value: z.union([
    scalar,
    z.array(z.union([z.number().finite(), z.string().max(40)])).min(1).max(MAX_IN_VALUES),
  ]),
  outcome: z.enum(RULE_OUTCOMES, { message: "请选择结果" }),
  reasonCode: z.string().trim().min(1, "请填写原因说明").max(100, "原因说明最多 100 个字"),
}).superRefine((rule, ctx) => {
  const problem = ruleValueProblem(rule.field, rule.operator, rule.value);
  if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
}) as unknown as z.ZodType<Rule>;

/** A whole rule set: 1–{@link MAX_RULES_PER_SET} rules with distinct codes. */
export const ruleSetSchema: z.ZodType<Rule[]> = z.array(ruleSchema).min(1, "至少保留一条规则")
  .max(MAX_RULES_PER_SET, `最多 ${MAX_RULES_PER_SET} 条规则`)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((r, i) => {
      if (seen.has(r.code)) ctx.addIssue({ code: "custom", path: [i, "code"], message: "规则编号重复" });
      seen.add(r.code);
    });
  });

/** Why a value does not suit a field and operator (Chinese), or `null` when it does. */
export function ruleValueProblem(field: RuleField, operator: RuleOperator, value: RuleValue): string | null {
  const def: RuleFieldDef = RULE_FIELDS[field];
  if (!def) return "未知字段";
  const list = Array.isArray(value) ? value : null;
  if (operator === "in" && !list) return "「属于」需要以逗号分隔的多个值";
  if (operator !== "in" && list) return "只有「属于」可以填写多个值";
  const items: unknown[] = list ?? [value];
  switch (def.type) {
    case "boolean":
      if (operator !== "eq" && operator !== "neq") return "是/否字段只能用 = 或 ≠";
      return typeof value === "boolean" ? null : "请选择 是 或 否";
    case "enum":
      if (operator !== "eq" && operator !== "neq" && operator !== "in") return "该字段只能用 =、≠ 或 属于";
      return items.every((v) => typeof v === "string" && Object.hasOwn(def.options ?? {}, v))
        ? null
        : `可选值：${Object.keys(def.options ?? {}).join("、")}`;
    case "money":
      return items.every((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0)
        ? null
        : "金额须为不小于 0 的数值";
    case "number":
      return items.every((v) => typeof v === "number" && Number.isFinite(v)) ? null : "请填写数值";
  }
}

/** One rule's result in a decision. */
export interface RuleResult {
  code: string;
  description: string;
  field: RuleField;
  operator: RuleOperator;
  value: RuleValue;
  outcome: RuleOutcome;
  reasonCode: string;
  /** The application's value of the field (`null` when unknown). */
  actual: RuleFieldValue;
  /** Whether the rule held. */
  hit: boolean;
  /** Whether the field had no value (the rule could not hold). */
  missing: boolean;
}

/** Whether `actual op expected` holds; `null` actual never holds. */
export function compare(actual: RuleFieldValue, operator: RuleOperator, expected: RuleValue): boolean {
  if (actual === null) return false;
  switch (operator) {
    case "eq":
      return actual === expected;
    case "neq":
      return actual !== expected;
    case "in":
      return Array.isArray(expected) && (expected as (string | number)[]).some((v) => v === actual);
    default: {
      if (typeof actual !== "number" || typeof expected !== "number") return false;
      if (operator === "gt") return actual > expected;
      if (operator === "gte") return actual >= expected;
      if (operator === "lt") return actual < expected;
      return actual <= expected;
    }
  }
}

/** The more severe of two outcomes. */
export function severer(a: RuleOutcome, b: RuleOutcome): RuleOutcome {
  return RULE_OUTCOMES.indexOf(a) >= RULE_OUTCOMES.indexOf(b) ? a : b;
}

/** Result of {@link evaluateRules}. */
export interface RulesEvaluation {
  outcome: RuleOutcome;
  results: RuleResult[];
  /** The reasons of the rules that held with the decisive outcome (for staff and the borrower's notice). */
  reasons: string[];
}

/** Evaluate every rule on the facts; the outcome is the most severe among the rules that hold. */
export function evaluateRules(rules: readonly Rule[], facts: RuleFacts): RulesEvaluation {
  let outcome: RuleOutcome = "pass";
  const results: RuleResult[] = rules.map((rule) => {
    const actual = facts[rule.field] ?? null;
    const hit = compare(actual, rule.operator, rule.value);
    if (hit) outcome = severer(outcome, rule.outcome);
    return { ...rule, actual, hit, missing: actual === null };
  });
  const reasons = results.filter((r) => r.hit && r.outcome === outcome && outcome !== "pass")
    .map((r) => r.reasonCode);
  return { outcome, results, reasons };
}

/** How a rule reads for people: 「申请人年龄 < 18岁」. Money shows in yuan. */
export function describeCondition(rule: Pick<Rule, "field" | "operator" | "value">): string {
  const def: RuleFieldDef = RULE_FIELDS[rule.field];
  return `${def?.label ?? rule.field} ${RULE_OPERATOR_LABELS[rule.operator]} ${
    formatRuleValue(rule.field, rule.value)
  }`;
}

/** A rule value as people read it (yuan for money, 是/否, enum labels, units). */
export function formatRuleValue(field: RuleField, value: RuleValue | RuleFieldValue): string {
  const def: RuleFieldDef = RULE_FIELDS[field];
  if (value === null) return "（无数据）";
  const one = (v: number | string | boolean): string => {
    if (typeof v === "boolean") return v ? "是" : "否";
    if (def?.type === "money" && typeof v === "number") return `${(v / 100).toLocaleString("zh-CN")}元`;
    if (def?.type === "enum" && typeof v === "string") return def.options?.[v] ?? v;
    return `${v}${def?.unit ?? ""}`;
  };
  return Array.isArray(value) ? value.map(one).join("、") : one(value);
}

/**
 * The rule set shipped with the platform (seeded as version 1 by db/migrations/0013_risk.sql; a test keeps
 * the two equal). Money in fen.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  r("R001", "年龄下限", "applicant_age", "lt", 18, "reject", "申请人未满18周岁"),
  r("R002", "年龄上限", "applicant_age", "gt", 60, "manual_review", "申请人年龄超过60周岁，需人工审核"),
  r("R003", "内部黑名单", "internal_blacklist_hit", "eq", true, "reject", "命中平台内部黑名单"),
  r("R004", "外部黑名单", "external_blacklist_hit", "eq", true, "reject", "命中外部黑名单"),
  r(
    "R005",
    "外部黑名单不可查",
    "external_blacklist_available",
    "eq",
    false,
    "manual_review",
    "外部黑名单暂不可查询，转人工审核",
  ),
  r("R006", "征信不可用", "bureau_available", "eq", false, "manual_review", "征信报告暂不可用，转人工审核"),
  r("R007", "严重逾期", "bureau_max_overdue_days", "gt", 30, "reject", "近6个月有超过30天的逾期"),
  r("R008", "近期逾期", "bureau_overdue_count_6m", "gte", 1, "manual_review", "近6个月有逾期记录"),
  r(
    "R009",
    "多头借贷",
    "bureau_outstanding_fen",
    "gt",
    50_000_000,
    "manual_review",
    "他平台借款余额超过50万元",
  ),
  r("R010", "多头查询", "bureau_queries_1m", "gte", 6, "manual_review", "近1个月征信查询6次及以上"),
  r("R011", "负债过高", "debt_ratio", "gt", 70, "reject", "负债收入比超过70%"),
  r("R012", "负债偏高", "debt_ratio", "gt", 50, "manual_review", "负债收入比超过50%"),
  r("R013", "收入偏低", "monthly_income_fen", "lt", 200_000, "manual_review", "月收入低于2000元"),
  r(
    "R014",
    "设备聚集",
    "same_device_applicants_7d",
    "gte",
    3,
    "reject",
    "7天内同一设备有3个及以上其他申请人",
  ),
  r("R015", "设备共用", "same_device_applicants_7d", "gte", 1, "manual_review", "7天内同一设备有其他申请人"),
  r("R016", "IP聚集", "same_ip_applications_7d", "gte", 5, "manual_review", "7天内同一IP有5笔及以上其他申请"),
  r("R017", "评分过低", "score", "lt", 520, "reject", "信用评分低于520分"),
];

function r(
  code: string,
  description: string,
  field: RuleField,
  operator: RuleOperator,
  value: RuleValue,
  outcome: RuleOutcome,
  reasonCode: string,
): Rule {
  return { code, description, field, operator, value, outcome, reasonCode };
}
