/**
 * Reading the risk admin forms (pure): a rule value typed as text (yuan for money, 是/否, comma-separated
 * lists for 「属于」), and the scorecard's bands typed one per line (`下限~上限:分`, yuan for money). The
 * inverse functions fill the forms from stored values.
 * @module
 */
import {
  PRODUCT_KIND_OPTIONS,
  type Rule,
  RULE_FIELDS,
  type RuleField,
  type RuleFieldDef,
  type RuleOperator,
  ruleSchema,
  type RuleValue,
} from "./rules.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { SCORE_ATTRIBUTES, type ScoreAttribute, type ScoreBand, type ScorecardConfig } from "./scorecard.ts";

/** Yuan text (`1234.5`) → fen, or `null`. At most 2 decimals, at most ¥100,000,000. */
export function yuanToFen(text: string): number | null {
  const t = text.trim().replace(/[,，]/g, "");
  const m = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -fen : fen;
}

/** Fen → yuan text for an input (`1234.5`, no trailing zeros). */
export function fenToYuanText(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const a = Math.abs(fen);
  const cents = a % 100;
  return `${sign}${Math.floor(a / 100)}${
    cents === 0 ? "" : `.${String(cents).padStart(2, "0").replace(/0$/, "")}`
  }`;
}

function scalarFromText(def: RuleFieldDef, text: string): number | boolean | string | null {
  const t = text.trim();
  switch (def.type) {
    case "boolean":
      if (["是", "true", "1", "yes"].includes(t.toLowerCase())) return true;
      if (["否", "false", "0", "no"].includes(t.toLowerCase())) return false;
      return null;
    case "money":
      return yuanToFen(t);
    case "number": {
      if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
      return Number(t);
    }
    case "enum": {
      if (Object.hasOwn(PRODUCT_KIND_OPTIONS, t)) return t;
      const byLabel = Object.entries(def.options ?? {}).find(([, label]) => label === t);
      return byLabel ? byLabel[0] : null;
    }
  }
}

/** A rule value typed in the form, or the Chinese reason it cannot be read. */
export function parseRuleValue(
  field: string,
  operator: string,
  text: string,
): { ok: true; value: RuleValue } | { ok: false; message: string } {
  if (!Object.hasOwn(RULE_FIELDS, field)) return { ok: false, message: "请先选择字段" };
  const def: RuleFieldDef = RULE_FIELDS[field as RuleField];
  if (text.trim() === "") return { ok: false, message: "请填写比较值" };
  if (operator === "in") {
    const parts = text.split(/[,，、]/).map((p) => p.trim()).filter(Boolean);
    const values = parts.map((p) => scalarFromText(def, p));
    if (values.some((v) => v === null || typeof v === "boolean")) {
      return { ok: false, message: "比较值格式不正确" };
    }
    return { ok: true, value: values as (number | string)[] };
  }
  const value = scalarFromText(def, text);
  if (value === null) {
    return {
      ok: false,
      message: def.type === "boolean"
        ? "请填写 是 或 否"
        : def.type === "money"
        ? "请填写金额（元，最多两位小数）"
        : def.type === "enum"
        ? `可选值：${Object.values(def.options ?? {}).join("、")}`
        : "请填写数值",
    };
  }
  return { ok: true, value };
}

/** A stored rule value as the form shows it. */
export function ruleValueText(field: RuleField, _operator: RuleOperator, value: RuleValue): string {
  const def: RuleFieldDef = RULE_FIELDS[field];
  const one = (v: number | string | boolean) =>
    typeof v === "boolean"
      ? (v ? "是" : "否")
      : def?.type === "money" && typeof v === "number"
      ? fenToYuanText(v)
      : String(v);
  return Array.isArray(value) ? value.map(one).join(",") : one(value);
}

function isMoney(attribute: ScoreAttribute): boolean {
  return RULE_FIELDS[attribute].type === "money";
}

/** One attribute's bands as text, one per line: `25~35:25`, `~22:0`, `60~:0` (yuan for money). */
export function bandsText(attribute: ScoreAttribute, bands: readonly ScoreBand[]): string {
  const n = (v: number | null) => (v === null ? "" : isMoney(attribute) ? fenToYuanText(v) : String(v));
  return bands.map((b) => `${n(b.min)}~${n(b.max)}:${b.points}`).join("\n");
}

/** Most lines read from one attribute's textarea. */
const MAX_BAND_LINES = 20;

/** Read one attribute's bands, or the Chinese reason a line cannot be read. */
export function parseBands(
  attribute: ScoreAttribute,
  text: string,
): { ok: true; bands: ScoreBand[] } | { ok: false; message: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, MAX_BAND_LINES);
  const bands: ScoreBand[] = [];
  for (const [i, line] of lines.entries()) {
    const m = /^([^~～]*)[~～]([^:：]*)[:：]\s*(-?\d+)$/.exec(line);
    if (!m) return { ok: false, message: `第 ${i + 1} 行格式应为 下限~上限:分值` };
    const bound = (t: string): number | null | undefined => {
      const s = t.trim();
      if (s === "") return null;
      if (isMoney(attribute)) return yuanToFen(s) ?? undefined;
      return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : undefined;
    };
    const min = bound(m[1]);
    const max = bound(m[2]);
    if (min === undefined || max === undefined) {
      return { ok: false, message: `第 ${i + 1} 行的上下限不是数值` };
    }
    bands.push({ min, max, points: Number(m[3]) });
  }
  return { ok: true, bands };
}

/** The scorecard form's raw text fields. */
export interface ScorecardFormValues {
  basePoints: string;
  cutoffs: { A: string; B: string; C: string; D: string };
  /** attribute → band lines (empty: the attribute is not scored). */
  bands: Partial<Record<ScoreAttribute, string>>;
  /** attribute → points when the value is unknown. */
  missing: Partial<Record<ScoreAttribute, string>>;
}

/** A scorecard as the form shows it. */
export function scorecardFormValues(card: ScorecardConfig): ScorecardFormValues {
  const bands: Partial<Record<ScoreAttribute, string>> = {};
  const missing: Partial<Record<ScoreAttribute, string>> = {};
  for (const a of card.attributes) {
    bands[a.attribute] = bandsText(a.attribute, a.bands);
    missing[a.attribute] = String(a.missingPoints);
  }
  return {
    basePoints: String(card.basePoints),
    cutoffs: {
      A: String(card.cutoffs.A),
      B: String(card.cutoffs.B),
      C: String(card.cutoffs.C),
      D: String(card.cutoffs.D),
    },
    bands,
    missing,
  };
}

/**
 * Build the scorecard the form describes (not yet validated by the schema), or field errors keyed
 * `basePoints`, `cutoffs.A`, `bands.<attribute>`, `missing.<attribute>`.
 */
export function scorecardFromForm(
  v: ScorecardFormValues,
): { ok: true; config: unknown } | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const int = (t: string, key: string): number => {
    if (!/^-?\d{1,5}$/.test(t.trim())) {
      fields[key] = ["请填写整数"];
      return 0;
    }
    return Number(t.trim());
  };
  const basePoints = int(v.basePoints, "basePoints");
  const cutoffs = {
    A: int(v.cutoffs.A, "cutoffs.A"),
    B: int(v.cutoffs.B, "cutoffs.B"),
    C: int(v.cutoffs.C, "cutoffs.C"),
    D: int(v.cutoffs.D, "cutoffs.D"),
  };
  const attributes = [];
  for (const attribute of SCORE_ATTRIBUTES) {
    const text = v.bands[attribute] ?? "";
    if (text.trim() === "") continue;
    const parsed = parseBands(attribute, text);
    if (!parsed.ok) {
      fields[`bands.${attribute}`] = [parsed.message];
      continue;
    }
    const missingText = (v.missing[attribute] ?? "").trim() || "0";
    attributes.push({
      attribute,
      bands: parsed.bands,
      missingPoints: int(missingText, `missing.${attribute}`),
    });
  }
  if (attributes.length === 0 && !Object.keys(fields).some((k) => k.startsWith("bands."))) {
    fields.form = ["至少为一个属性设置分段"];
  }
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, config: { basePoints, attributes, cutoffs } };
}

/**
 * Map the schema's error keys (`attributes.<i>.bands.<j>`, `cutoffs`) onto the form's fields, given the
 * config that failed.
 */
export function scorecardErrorsToForm(
  config: unknown,
  fields: Record<string, string[]>,
): Record<string, string[]> {
  const attrs = (config as { attributes?: { attribute: string }[] })?.attributes ?? [];
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(fields)) {
    const m = /^attributes\.(\d+)(?:\.(\w+))?/.exec(key);
    let target = key;
    if (m) {
      const a = attrs[Number(m[1])]?.attribute ?? "unknown";
      target = m[2] === "missingPoints" ? `missing.${a}` : `bands.${a}`;
    } else if (key === "cutoffs") target = "cutoffs.A";
    (out[target] ??= []).push(...messages);
  }
  return out;
}

/** The rule form's raw text fields (`originalCode`: the rule edited, `""` when adding). */
export interface RuleFormValues {
  originalCode: string;
  code: string;
  description: string;
  field: string;
  operator: string;
  value: string;
  outcome: string;
  reasonCode: string;
  note: string;
}

/** The empty rule form (adding a rule). */
export function emptyRuleForm(): RuleFormValues {
  return {
    originalCode: "",
    code: "",
    description: "",
    field: "",
    operator: "",
    value: "",
    outcome: "",
    reasonCode: "",
    note: "",
  };
}

/** A stored rule as the edit form shows it. */
export function ruleFormValues(rule: Rule): RuleFormValues {
  return {
    originalCode: rule.code,
    code: rule.code,
    description: rule.description,
    field: rule.field,
    operator: rule.operator,
    value: ruleValueText(rule.field, rule.operator, rule.value),
    outcome: rule.outcome,
    reasonCode: rule.reasonCode,
    note: "",
  };
}

/** Read the rule form's fields through a length-capped text reader (`formText` of utils.ts). */
export function readRuleForm(text: (name: string, max: number) => string): RuleFormValues {
  return {
    originalCode: text("originalCode", 20),
    code: text("code", 30).trim(),
    description: text("description", 200),
    field: text("field", 40),
    operator: text("operator", 10),
    value: text("value", 400),
    outcome: text("outcome", 20),
    reasonCode: text("reasonCode", 200),
    note: text("note", 400),
  };
}

/**
 * The rule the form describes (not yet validated by the schema), or — when its value cannot be read — the
 * field errors: the value's problem together with whatever else the schema finds wrong.
 */
export function ruleFromForm(
  v: RuleFormValues,
): { ok: true; rule: unknown } | { ok: false; fields: Record<string, string[]> } {
  const parsedValue = parseRuleValue(v.field, v.operator, v.value);
  const rule = {
    code: v.code,
    description: v.description,
    field: v.field,
    operator: v.operator,
    value: parsedValue.ok ? parsedValue.value : 0,
    outcome: v.outcome,
    reasonCode: v.reasonCode,
  };
  if (parsedValue.ok) return { ok: true, rule };
  const checked = ruleSchema.safeParse(rule);
  const fields = checked.success ? {} : fieldErrorsFrom(checked.error, "form");
  return { ok: false, fields: { ...fields, value: [parsedValue.message] } };
}

/** Read the scorecard form's fields through a length-capped text reader (`formText` of utils.ts). */
export function readScorecardForm(text: (name: string, max: number) => string): ScorecardFormValues {
  const values: ScorecardFormValues = {
    basePoints: text("basePoints", 10),
    cutoffs: {
      A: text("cutoffA", 10),
      B: text("cutoffB", 10),
      C: text("cutoffC", 10),
      D: text("cutoffD", 10),
    },
    bands: {},
    missing: {},
  };
  for (const a of SCORE_ATTRIBUTES) {
    values.bands[a] = text(`bands_${a}`, 1000);
    values.missing[a] = text(`missing_${a}`, 10);
  }
  return values;
}
