/**
 * Fee rules (收费标准): what the platform charges per business type, with effective dates and history.
 *
 * A rule is a fixed amount per transaction or a rate (micros, millionths of the amount) rounded half-up to
 * the fen and bounded by an optional minimum and maximum. Rules are never edited: a change is a new row
 * with a future effective date, so every fee charged in the past can be traced to the rule in force then.
 * {@link computeFeeFen} is pure; {@link currentFee} reads the rule in force; {@link addFeeRule} is the staff
 * command (permission `finance.fees`, audit-logged).
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, formatRateMicros, parsePercentToMicros, parseYuanToFen } from "../money/format.ts";
import { parseDayFilter } from "../shared/ids.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";

/** The business types a fee can be set for. */
export const FEE_BUSINESS_TYPES = [
  "top_up",
  "withdrawal",
  "service_fee",
  "interest_management_fee",
  "transfer_fee",
] as const;

/** A fee business type. */
export type FeeBusinessType = typeof FEE_BUSINESS_TYPES[number];

/** Chinese names of the fee business types. */
export const FEE_BUSINESS_LABELS: Readonly<Record<FeeBusinessType, string>> = {
  top_up: "充值手续费",
  withdrawal: "提现手续费",
  service_fee: "借款服务费",
  interest_management_fee: "利息管理费",
  transfer_fee: "债权转让手续费",
};

/** What each fee is charged on (for the public page). */
export const FEE_BASIS: Readonly<Record<FeeBusinessType, string>> = {
  top_up: "按每笔充值金额",
  withdrawal: "按每笔提现金额，从提现金额中扣除",
  service_fee: "按借款本金，向借款人收取",
  interest_management_fee: "按出借人每期实收利息",
  transfer_fee: "按债权转让成交金额，向转让人收取",
};

/** Micros in a whole (100%). */
export const MICROS_PER_UNIT = 1_000_000n;

/** A fee rule's shape. */
export type FeeRule =
  | { kind: "fixed"; fixedFen: Fen }
  | { kind: "rate"; rateMicros: number; minFen: Fen | null; maxFen: Fen | null };

/** A stored fee rule with its business type and effective date. */
export interface StoredFeeRule {
  id: string;
  businessType: FeeBusinessType;
  rule: FeeRule;
  effectiveFrom: Date;
  note: string | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: Date;
}

/** Whether a string is a fee business type. */
export function isFeeBusinessType(value: string): value is FeeBusinessType {
  return (FEE_BUSINESS_TYPES as readonly string[]).includes(value);
}

/**
 * The fee for `amountFen` under `rule` (pure): a fixed rule charges its amount; a rate rule charges
 * `amount × rate / 1 000 000` rounded half-up to the fen, then raised to the minimum and capped at the
 * maximum when they are set.
 *
 * @throws {RangeError} for a negative amount or a rate outside 0–1 000 000 micros.
 */
export function computeFeeFen(rule: FeeRule, amountFen: Fen): Fen {
  if (typeof amountFen !== "bigint" || amountFen < 0n) throw new RangeError("amount must be fen ≥ 0");
  if (rule.kind === "fixed") return rule.fixedFen;
  if (!Number.isSafeInteger(rule.rateMicros) || rule.rateMicros < 0 || rule.rateMicros > 1_000_000) {
    throw new RangeError(`rate micros out of range: ${rule.rateMicros}`);
  }
  // half-up to the fen: (a·r + ½·10⁶) div 10⁶ for a ≥ 0
  let fee = (amountFen * BigInt(rule.rateMicros) + MICROS_PER_UNIT / 2n) / MICROS_PER_UNIT;
  if (rule.minFen !== null && fee < rule.minFen) fee = rule.minFen;
  if (rule.maxFen !== null && fee > rule.maxFen) fee = rule.maxFen;
  return fee;
}

/** A rule in words: `免费`, `每笔 ¥2.00`, `0.10%，最低 ¥1.00，最高 ¥25.00`. */
export function describeFeeRule(rule: FeeRule): string {
  if (rule.kind === "fixed") return rule.fixedFen === 0n ? "免费" : `每笔 ${formatFen(rule.fixedFen)}`;
  if (rule.rateMicros === 0 && (rule.minFen ?? 0n) === 0n) return "免费";
  const parts = [formatRateMicros(rule.rateMicros)];
  if (rule.minFen !== null) parts.push(`最低 ${formatFen(rule.minFen)}`);
  if (rule.maxFen !== null) parts.push(`最高 ${formatFen(rule.maxFen)}`);
  return parts.join("，");
}

interface FeeRuleRow {
  id: string;
  businessType: FeeBusinessType;
  kind: "fixed" | "rate";
  fixedFen: bigint | null;
  rateMicros: number | null;
  minFen: bigint | null;
  maxFen: bigint | null;
  effectiveFrom: Date;
  note: string | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: Date;
}

function fromRow(r: FeeRuleRow): StoredFeeRule {
  const rule: FeeRule = r.kind === "fixed" ? { kind: "fixed", fixedFen: BigInt(r.fixedFen ?? 0n) } : {
    kind: "rate",
    rateMicros: Number(r.rateMicros ?? 0),
    minFen: r.minFen === null ? null : BigInt(r.minFen),
    maxFen: r.maxFen === null ? null : BigInt(r.maxFen),
  };
  return {
    id: String(r.id),
    businessType: r.businessType,
    rule,
    effectiveFrom: r.effectiveFrom,
    note: r.note,
    createdBy: r.createdBy === null ? null : String(r.createdBy),
    createdByName: r.createdByName,
    createdAt: r.createdAt,
  };
}

function ruleColumns(db: Queryable) {
  return db`f.id, f.business_type as "businessType", f.kind, f.fixed_fen as "fixedFen",
    f.rate_micros as "rateMicros", f.min_fen as "minFen", f.max_fen as "maxFen",
    f.effective_from as "effectiveFrom", f.note, f.created_by as "createdBy",
    s.display_name as "createdByName", f.created_at as "createdAt"`;
}

/** The rule in force for `businessType` at `at` (default now), or `null` when none is set (no fee). */
export async function currentFee(
  db: Queryable,
  businessType: FeeBusinessType,
  at: Date = new Date(),
): Promise<StoredFeeRule | null> {
  const [row] = await db<FeeRuleRow[]>`
    select ${ruleColumns(db)} from fee_rules f left join staff s on s.id = f.created_by
    where f.business_type = ${businessType} and f.effective_from <= ${at}
    order by f.effective_from desc, f.id desc limit 1`;
  return row ? fromRow(row) : null;
}

/** The rules in force at `at` for every business type (missing types have none: no fee). */
export async function currentFees(
  db: Queryable,
  at: Date = new Date(),
): Promise<Partial<Record<FeeBusinessType, StoredFeeRule>>> {
  const rows = await db<FeeRuleRow[]>`
    select distinct on (f.business_type) ${ruleColumns(db)}
    from fee_rules f left join staff s on s.id = f.created_by
    where f.effective_from <= ${at}
    order by f.business_type, f.effective_from desc, f.id desc`;
  const out: Partial<Record<FeeBusinessType, StoredFeeRule>> = {};
  for (const r of rows) out[r.businessType] = fromRow(r);
  return out;
}

/** Rules that take effect after `at` (announced changes), soonest first. */
export async function upcomingFees(db: Queryable, at: Date = new Date()): Promise<StoredFeeRule[]> {
  const rows = await db<FeeRuleRow[]>`
    select ${ruleColumns(db)} from fee_rules f left join staff s on s.id = f.created_by
    where f.effective_from > ${at} order by f.effective_from, f.id limit 100`;
  return rows.map(fromRow);
}

/** Every rule (history), newest effective date first; at most `limit`. */
export async function feeHistory(db: Queryable, limit = 200): Promise<StoredFeeRule[]> {
  const rows = await db<FeeRuleRow[]>`
    select ${ruleColumns(db)} from fee_rules f left join staff s on s.id = f.created_by
    order by f.effective_from desc, f.id desc limit ${limit}`;
  return rows.map(fromRow);
}

/** The fee a business type charges on `amountFen` at `at`: the amount and the rule (0 and null when none). */
export async function feeFor(
  db: Queryable,
  businessType: FeeBusinessType,
  amountFen: Fen,
  at: Date = new Date(),
): Promise<{ feeFen: Fen; rule: StoredFeeRule | null }> {
  const rule = await currentFee(db, businessType, at);
  return { feeFen: rule ? computeFeeFen(rule.rule, amountFen) : 0n, rule };
}

/** The add-rule form as typed by staff (all text). */
export interface FeeRuleFormInput {
  businessType: string;
  kind: string;
  /** Fixed fee in yuan (fixed rules). */
  fixedYuan: string;
  /** Rate in percent, up to four decimals (rate rules). */
  ratePercent: string;
  /** Optional minimum and maximum in yuan (rate rules). */
  minYuan: string;
  maxYuan: string;
  /** `YYYY-MM-DD` (Asia/Shanghai, from 00:00 that day; must be after today), or empty for immediately. */
  effectiveDate: string;
  note: string;
}

/** Outcome of {@link addFeeRule}. */
export type AddFeeRuleResult =
  | { ok: true; ruleId: string; effectiveFrom: Date }
  | { ok: false; code: "forbidden" | "duplicate_date" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages for the failures of {@link addFeeRule}. */
export const ADD_FEE_RULE_MESSAGES = {
  forbidden: "无权操作",
  duplicate_date: "该业务在此生效时间已有一条规则，请换一个生效日期",
} as const;

/** Validate the form; returns the rule and its effective time, or field errors (pure apart from `now`). */
export function parseFeeRuleForm(
  input: FeeRuleFormInput,
  now: Date = new Date(),
): { ok: true; businessType: FeeBusinessType; rule: FeeRule; effectiveFrom: Date; note: string | null } | {
  ok: false;
  fields: Record<string, string[]>;
} {
  const fields: Record<string, string[]> = {};
  const add = (k: string, m: string) => (fields[k] ??= []).push(m);
  const businessType = input.businessType;
  if (!isFeeBusinessType(businessType)) add("businessType", "请选择业务类型");
  let rule: FeeRule | null = null;
  if (input.kind === "fixed") {
    const fixedFen = parseYuanToFen(input.fixedYuan.slice(0, 20));
    if (fixedFen === null) add("fixedYuan", "请输入每笔收费金额（元），最多两位小数");
    else rule = { kind: "fixed", fixedFen };
  } else if (input.kind === "rate") {
    const micros = parsePercentToMicros(input.ratePercent);
    if (micros === null) add("ratePercent", "请输入费率（%），最多四位小数");
    else if (micros > 1_000_000) add("ratePercent", "费率不能超过 100%");
    const optional = (key: "minYuan" | "maxYuan"): Fen | null | undefined => {
      const text = input[key].trim();
      if (text === "") return null;
      const fen = parseYuanToFen(text);
      if (fen === null) {
        add(key, "请输入金额（元），最多两位小数，或留空");
        return undefined;
      }
      return fen;
    };
    const minFen = optional("minYuan");
    const maxFen = optional("maxYuan");
    if (minFen != null && maxFen != null && minFen > maxFen) add("maxYuan", "最高收费不能低于最低收费");
    if (micros !== null && micros <= 1_000_000 && minFen !== undefined && maxFen !== undefined) {
      rule = { kind: "rate", rateMicros: micros, minFen, maxFen };
    }
  } else add("kind", "请选择收费方式");
  let effectiveFrom = now;
  const day = input.effectiveDate.trim();
  if (day !== "") {
    const parsed = parseDayFilter(day);
    if (!parsed.ok) add("effectiveDate", parsed.message);
    else if (day <= formatShanghaiDate(now)) {
      add("effectiveDate", "生效日期须晚于今天（不能修改已生效的收费）；立即生效请留空");
    } else effectiveFrom = new Date(`${day}T00:00:00+08:00`);
  }
  const note = input.note.trim();
  if (Array.from(note).length > 200) add("note", "备注最多 200 个字");
  if (Object.keys(fields).length > 0 || !rule || !isFeeBusinessType(businessType)) {
    return { ok: false, fields: Object.keys(fields).length > 0 ? fields : { form: ["请检查输入"] } };
  }
  return { ok: true, businessType, rule, effectiveFrom, note: note === "" ? null : note };
}

/**
 * Add a fee rule (a new row; the past is never edited). Needs `finance.fees`. Audited as `fee.rule_add`
 * with the rule and its effective time.
 *
 * Codes: `forbidden`, `invalid_input` (fields), `duplicate_date` (a rule for that type already takes effect
 * at that moment).
 */
export async function addFeeRule(
  sql: Db,
  input: FeeRuleFormInput,
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
  now: Date = new Date(),
): Promise<AddFeeRuleResult> {
  if (!can(actor.staff, "finance.fees")) return { ok: false, code: "forbidden" };
  const parsed = parseFeeRuleForm(input, now);
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  const { businessType, rule, effectiveFrom, note } = parsed;
  return await transaction(sql, async (tx): Promise<AddFeeRuleResult> => {
    const [row] = await tx<{ id: string }[]>`
      insert into fee_rules (business_type, kind, fixed_fen, rate_micros, min_fen, max_fen, effective_from,
        note, created_by)
      values (${businessType}, ${rule.kind}, ${rule.kind === "fixed" ? rule.fixedFen : null},
        ${rule.kind === "rate" ? rule.rateMicros : null}, ${rule.kind === "rate" ? rule.minFen : null},
        ${rule.kind === "rate" ? rule.maxFen : null}, ${effectiveFrom}, ${note}, ${actor.staff.id})
      on conflict (business_type, effective_from) do nothing
      returning id`;
    if (!row) return { ok: false, code: "duplicate_date" };
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "fee.rule_add",
      target: `fee_rule:${row.id}`,
      detail: {
        businessType,
        rule: describeFeeRule(rule),
        effectiveFrom: effectiveFrom.toISOString(),
        note,
      },
      ip: actor.ip,
    });
    return { ok: true, ruleId: String(row.id), effectiveFrom };
  });
}
