/**
 * Input of the loan calculator (借款计算器): the query string of `GET /api/calculator` and the draft the
 * `/calculator` form and island work on.
 *
 * Two entry points share one set of field rules and Chinese messages:
 * - `parseCalculatorInput` / `parseCalculatorDraft` — the server boundary, a zod v4 schema (shape) that
 *   applies the shared rules (content). zod is used only inside these functions (the schema is built on call), so a
 *   bundle that imports only the zod-free part tree-shakes zod away.
 * - `validateCalculatorDraft` — the same rules without zod, for the calculator island in the browser.
 *
 * Query parameters: `principal` (yuan, ≤ 2 decimals, > 0, ≤ 1亿元), `annualRate` (percent, ≤ 4
 * decimals, 0–36), `method` (a `RepaymentMethod`), and the term: `months` (1–360) for every method, or
 * for `bullet` instead `days` (1–365) — exactly one of the two. An empty parameter counts as absent.
 *
 * @module
 */
import { z } from "zod";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import type { Fen } from "../money/fen.ts";
import { parsePercentToMicros, parseYuanToFen } from "../money/format.ts";
import { isRepaymentMethod, type RepaymentMethod, type ScheduleInput } from "./schedule.ts";

/** Bounds of the calculator's input. */
export const CALCULATOR_LIMITS = {
  /** Largest principal, in fen (1亿元). */
  maxPrincipalFen: 10_000_000_000n,
  /** Largest annual rate, in micros (36%). */
  maxAnnualRateMicros: 360_000,
  maxMonths: 360,
  maxDays: 365,
} as const;

/** The Chinese error messages, one set per field. */
export const CALCULATOR_MESSAGES = {
  principalFormat: "请输入借款金额，最多两位小数",
  principalPositive: "借款金额须大于 0 元",
  principalMax: "借款金额不能超过 1 亿元",
  annualRateFormat: "请输入年化利率（%），最多四位小数",
  annualRateMax: "年化利率不能超过 36%",
  months: "请输入借款期限：1–360 的整数（月）",
  days: "请输入借款期限：1–365 的整数（天）",
  daysNotBullet: "按天计的期限仅适用于到期还本付息，请改按月填写",
  bothTerms: "期限只能按月或按天填写其一",
  method: "请选择还款方式",
} as const;

/** Validated calculator input: exactly what `computeSchedule` takes. */
export type CalculatorInput = ScheduleInput;

/** Field name → Chinese messages, for the fields that failed. */
export type FieldErrors = Record<string, string[]>;

/** Outcome of parsing calculator input. */
export type CalculatorParseResult =
  | { ok: true; value: CalculatorInput }
  | { ok: false; fields: FieldErrors };

/** The query parameters of `GET /api/calculator`, as strings. */
export interface CalculatorQuery {
  principal?: string;
  annualRate?: string;
  method?: string;
  months?: string;
  days?: string;
}

/** Unit of the term in the calculator form. */
export type TermUnit = "month" | "day";

/**
 * What the calculator form holds, as typed: the form's fields are `principal`, `annualRate`, `term`,
 * `termUnit` (`month` | `day`) and `method`. Errors of a draft are keyed by these names.
 */
export interface CalculatorDraft {
  principal: string;
  annualRate: string;
  term: string;
  termUnit: TermUnit;
  method: string;
}

/** What the calculator page shows before the user types anything. */
export const DEFAULT_CALCULATOR_DRAFT: Readonly<CalculatorDraft> = {
  principal: "10000",
  annualRate: "8.5",
  term: "12",
  termUnit: "month",
  method: "equal_installment",
};

/** The query keys the calculator understands (API keys and form keys). */
const CALCULATOR_KEYS = ["principal", "annualRate", "method", "months", "days", "term", "termUnit"] as const;

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

const TERM_PATTERN = /^\d{1,4}$/;

function present(text: string | undefined): text is string {
  return text !== undefined && text.trim() !== "";
}

function checkPrincipal(text: string | undefined): Check<Fen> {
  const fen = present(text) ? parseYuanToFen(text) : null;
  if (fen === null) return { ok: false, message: CALCULATOR_MESSAGES.principalFormat };
  if (fen <= 0n) return { ok: false, message: CALCULATOR_MESSAGES.principalPositive };
  if (fen > CALCULATOR_LIMITS.maxPrincipalFen) {
    return { ok: false, message: CALCULATOR_MESSAGES.principalMax };
  }
  return { ok: true, value: fen };
}

function checkAnnualRate(text: string | undefined): Check<number> {
  const micros = present(text) ? parsePercentToMicros(text) : null;
  if (micros === null) return { ok: false, message: CALCULATOR_MESSAGES.annualRateFormat };
  if (micros > CALCULATOR_LIMITS.maxAnnualRateMicros) {
    return { ok: false, message: CALCULATOR_MESSAGES.annualRateMax };
  }
  return { ok: true, value: micros };
}

function checkMethod(text: string | undefined): Check<RepaymentMethod> {
  const method = text?.trim();
  return isRepaymentMethod(method)
    ? { ok: true, value: method }
    : { ok: false, message: CALCULATOR_MESSAGES.method };
}

function checkCount(text: string, max: number, message: string): Check<number> {
  const trimmed = text.trim();
  const count = TERM_PATTERN.test(trimmed) ? Number(trimmed) : 0;
  return count >= 1 && count <= max ? { ok: true, value: count } : { ok: false, message };
}

type TermCheck =
  | { ok: true; value: { months: number } | { days: number } }
  | { ok: false; field: "months" | "days"; message: string };

/** The term rules: months for every method, or days instead for bullet; exactly one. */
function checkTerm(
  method: RepaymentMethod | null,
  months: string | undefined,
  days: string | undefined,
): TermCheck {
  const hasMonths = present(months);
  const hasDays = present(days);
  if (hasDays && method !== null && method !== "bullet") {
    return { ok: false, field: "days", message: CALCULATOR_MESSAGES.daysNotBullet };
  }
  if (hasMonths && hasDays) return { ok: false, field: "days", message: CALCULATOR_MESSAGES.bothTerms };
  if (hasDays) {
    const check = checkCount(days, CALCULATOR_LIMITS.maxDays, CALCULATOR_MESSAGES.days);
    return check.ok
      ? { ok: true, value: { days: check.value } }
      : { ok: false, field: "days", message: check.message };
  }
  const check = checkCount(months ?? "", CALCULATOR_LIMITS.maxMonths, CALCULATOR_MESSAGES.months);
  return check.ok
    ? { ok: true, value: { months: check.value } }
    : { ok: false, field: "months", message: check.message };
}

/**
 * Validates calculator query fields without zod (for the island; the server goes through
 * `parseCalculatorInput`, which applies the same rules). Errors are keyed by the query names.
 */
export function validateCalculatorQuery(query: CalculatorQuery): CalculatorParseResult {
  const fields: FieldErrors = {};
  const principal = checkPrincipal(query.principal);
  if (!principal.ok) fields.principal = [principal.message];
  const annualRate = checkAnnualRate(query.annualRate);
  if (!annualRate.ok) fields.annualRate = [annualRate.message];
  const method = checkMethod(query.method);
  if (!method.ok) fields.method = [method.message];
  const term = checkTerm(method.ok ? method.value : null, query.months, query.days);
  if (!term.ok) fields[term.field] = [term.message];
  if (!principal.ok || !annualRate.ok || !method.ok || !term.ok) return { ok: false, fields };
  return {
    ok: true,
    value: {
      method: method.value,
      principalFen: principal.value,
      annualRateMicros: annualRate.value,
      ...term.value,
    },
  };
}

/**
 * The zod schema of the API query: zod checks the shape (every field an optional string), the shared
 * rules of `validateCalculatorQuery` check the content, so server and island always agree. Built lazily on
 * first use (and then reused: zod v4 compiles each schema, so building one per request is costly) so that a
 * browser bundle importing only the zod-free functions drops zod.
 */
let querySchema: ReturnType<typeof buildCalculatorQuerySchema> | undefined;
function calculatorQuerySchema() {
  return querySchema ??= buildCalculatorQuerySchema();
}
function buildCalculatorQuerySchema() {
  const text = z.string().optional();
  return z.object({ principal: text, annualRate: text, method: text, months: text, days: text })
    .transform((query, ctx): CalculatorInput => {
      const result = validateCalculatorQuery(query);
      if (result.ok) return result.value;
      for (const [field, messages] of Object.entries(result.fields)) {
        for (const message of messages) ctx.addIssue({ code: "custom", message, path: [field] });
      }
      return z.NEVER;
    });
}

function pickQuery(params: URLSearchParams | Record<string, string>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of CALCULATOR_KEYS) {
    const value = params instanceof URLSearchParams
      ? params.get(key)
      : Object.hasOwn(params, key)
      ? params[key]
      : null;
    if (typeof value === "string") picked[key] = value;
  }
  return picked;
}

/**
 * Parses the query of `GET /api/calculator` (zod v4): `principal`, `annualRate`, `method`, and `months`
 * or (bullet only) `days`. Returns the validated `ScheduleInput`, or Chinese messages per field, e.g.
 * `{ ok: false, fields: { principal: ["请输入借款金额，最多两位小数"] } }`. A bad term is reported under
 * `months` or `days`, whichever the user gave (`months` when neither).
 */
export function parseCalculatorInput(
  params: URLSearchParams | Record<string, string>,
): CalculatorParseResult {
  const parsed = calculatorQuerySchema().safeParse(pickQuery(params));
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, fields: fieldErrorsFrom(parsed.error, "form") };
}

/** Whether a query string carries any calculator field (i.e. the form was submitted). */
export function hasCalculatorParams(params: URLSearchParams): boolean {
  return CALCULATOR_KEYS.some((key) => params.has(key));
}

/**
 * Reads a form draft from a query string. Understands the form's own keys (`term`, `termUnit`) and the
 * API's (`months`, `days`), so `/calculator?principal=100&annualRate=7&months=6&method=…` works too.
 * Missing fields are empty strings.
 */
export function draftFromParams(params: URLSearchParams): CalculatorDraft {
  const get = (key: string) => params.get(key) ?? "";
  const days = get("days");
  const months = get("months");
  let term = get("term");
  let termUnit: TermUnit = get("termUnit") === "day" ? "day" : "month";
  if (present(days) && !present(months)) {
    term = days;
    termUnit = "day";
  } else if (present(months)) {
    term = months;
    termUnit = "month";
  }
  return {
    principal: get("principal"),
    annualRate: get("annualRate"),
    term,
    termUnit,
    method: get("method"),
  };
}

/** The API query for a draft (`term` becomes `months` or `days`). */
export function draftToQuery(draft: CalculatorDraft): CalculatorQuery {
  const query: CalculatorQuery = {
    principal: draft.principal,
    annualRate: draft.annualRate,
    method: draft.method,
  };
  if (draft.termUnit === "day") query.days = draft.term;
  else query.months = draft.term;
  return query;
}

function draftFields(result: CalculatorParseResult): CalculatorParseResult {
  if (result.ok) return result;
  const fields: FieldErrors = {};
  for (const [key, messages] of Object.entries(result.fields)) {
    const name = key === "months" || key === "days" ? "term" : key;
    (fields[name] ??= []).push(...messages);
  }
  return { ok: false, fields };
}

function queryRecord(query: CalculatorQuery): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined) record[key] = value;
  return record;
}

/**
 * Parses a form draft on the server (through `parseCalculatorInput`, i.e. zod). Errors are keyed by the
 * form's names: `principal`, `annualRate`, `term`, `method`.
 */
export function parseCalculatorDraft(draft: CalculatorDraft): CalculatorParseResult {
  return draftFields(parseCalculatorInput(queryRecord(draftToQuery(draft))));
}

/**
 * Validates a form draft without zod (for the island, on every keystroke). Same rules and messages as
 * `parseCalculatorDraft`; errors keyed `principal`, `annualRate`, `term`, `method`.
 */
export function validateCalculatorDraft(draft: CalculatorDraft): CalculatorParseResult {
  return draftFields(validateCalculatorQuery(draftToQuery(draft)));
}
