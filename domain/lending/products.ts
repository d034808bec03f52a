/**
 * Loan products (借款产品): the four staff-configured products of the platform — amount range, terms,
 * repayment methods (the four of `schedule.ts`), an annual rate range per loan grade A–E, the service fee
 * (on the principal, at disbursement) and the interest management fee (on each interest payment), the
 * minimum bid and bid multiple, the bidding window, newbie-only, the prepayment, penalty and acceleration
 * rules, the borrower kind and whether it is offered.
 *
 * Reads: {@link listProducts}, {@link getProduct}. The staff command {@link updateProduct} (`risk.rules`)
 * validates every field ({@link parseProductForm}, zod), locks the row, writes it and its audit entry
 * (`product.update`, with what changed) in one transaction. Products are never created or deleted here: a
 * product is withdrawn by setting it inactive.
 * @module
 */
import { z } from "zod";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import type { Fen } from "../money/fen.ts";
import { parsePercentToMicros, parseYuanToFen } from "../money/format.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { isId } from "../shared/ids.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { REPAYMENT_METHODS, type RepaymentMethod } from "./schedule.ts";

/** Loan grades, best first. */
export const LOAN_GRADES = ["A", "B", "C", "D", "E"] as const;
/** A loan grade. */
export type LoanGrade = typeof LOAN_GRADES[number];

/** The risk level (R1–R5) of each grade, as investors' permissions use it. */
export const GRADE_RISK_LEVELS: Readonly<Record<LoanGrade, "R1" | "R2" | "R3" | "R4" | "R5">> = {
  A: "R1",
  B: "R2",
  C: "R3",
  D: "R4",
  E: "R5",
};

/** An annual rate range in micros (8.5% = 85 000). */
export interface RateRange {
  minRateMicros: number;
  maxRateMicros: number;
}

/** The product kinds. */
export type ProductKind = "personal_credit" | "consumer_installment" | "car_loan" | "small_business";

/** Chinese names of the product kinds. */
export const PRODUCT_KIND_LABELS: Readonly<Record<ProductKind, string>> = {
  personal_credit: "个人信用贷",
  consumer_installment: "消费分期",
  car_loan: "车贷",
  small_business: "小微企业贷",
};

/** Chinese names of the borrower kinds. */
export const BORROWER_KIND_LABELS = { person: "个人", business: "企业" } as const;

/** A loan product as the code uses it. */
export interface LoanProduct {
  id: string;
  code: string;
  name: string;
  kind: ProductKind;
  borrowerKind: "person" | "business";
  description: string;
  minAmountFen: Fen;
  maxAmountFen: Fen;
  termUnit: "month" | "day";
  terms: number[];
  methods: RepaymentMethod[];
  gradeRates: Record<LoanGrade, RateRange>;
  serviceFeeMicros: number;
  interestManagementFeeMicros: number;
  minBidFen: Fen;
  bidUnitFen: Fen;
  biddingDays: number;
  newbieOnly: boolean;
  prepaymentAllowed: boolean;
  prepaymentFeeMicros: number;
  penaltyDayMicros: number;
  penaltyDayMicrosAfter30: number;
  accelerationDays: number;
  active: boolean;
  updatedAt: Date;
}

const rateRangeSchema = z.object({
  minRateMicros: z.number().int().min(0).max(360_000),
  maxRateMicros: z.number().int().min(0).max(360_000),
});

/** The stored `grade_rates` jsonb: a rate range for each grade A–E. */
export const gradeRatesSchema = z.object({
  A: rateRangeSchema,
  B: rateRangeSchema,
  C: rateRangeSchema,
  D: rateRangeSchema,
  E: rateRangeSchema,
});

/**
 * Parse the stored `grade_rates` (jsonb, possibly as text) into typed ranges.
 *
 * @throws {z.ZodError} when the stored value is not five ranges (a corrupt row).
 */
export function parseGradeRates(value: unknown): Record<LoanGrade, RateRange> {
  return gradeRatesSchema.parse(typeof value === "string" ? JSON.parse(value) : value);
}

/** Most products listed (there are four; the bound keeps the query honest). */
export const PRODUCT_LIST_LIMIT = 50;

interface ProductRow extends Omit<LoanProduct, "gradeRates" | "terms" | "methods"> {
  gradeRates: unknown;
  terms: number[];
  methods: string[];
}

function productColumns(db: Queryable) {
  return db`id, code, name, kind, borrower_kind as "borrowerKind", description,
    min_amount_fen as "minAmountFen", max_amount_fen as "maxAmountFen", term_unit as "termUnit", terms, methods,
    grade_rates as "gradeRates", service_fee_micros as "serviceFeeMicros",
    interest_management_fee_micros as "interestManagementFeeMicros", min_bid_fen as "minBidFen",
    bid_unit_fen as "bidUnitFen", bidding_days as "biddingDays", newbie_only as "newbieOnly",
    prepayment_allowed as "prepaymentAllowed", prepayment_fee_micros as "prepaymentFeeMicros",
    penalty_day_micros as "penaltyDayMicros", penalty_day_micros_after_30 as "penaltyDayMicrosAfter30",
    acceleration_days as "accelerationDays", active, updated_at as "updatedAt"`;
}

function fromRow(r: ProductRow): LoanProduct {
  return {
    ...r,
    id: String(r.id),
    minAmountFen: BigInt(r.minAmountFen),
    maxAmountFen: BigInt(r.maxAmountFen),
    minBidFen: BigInt(r.minBidFen),
    bidUnitFen: BigInt(r.bidUnitFen),
    terms: r.terms.map(Number),
    methods: r.methods.filter((m): m is RepaymentMethod => (REPAYMENT_METHODS as string[]).includes(m)),
    gradeRates: parseGradeRates(r.gradeRates),
  };
}

/** Every product (or only those offered), by id. */
export async function listProducts(
  db: Queryable,
  options: { activeOnly?: boolean } = {},
): Promise<LoanProduct[]> {
  const rows = await db<ProductRow[]>`
    select ${productColumns(db)} from loan_products
    where ${options.activeOnly ? db`active` : db`true`} order by id limit ${PRODUCT_LIST_LIMIT}`;
  return rows.map(fromRow);
}

/** One product by id, or `null`. */
export async function getProduct(db: Queryable, productId: string): Promise<LoanProduct | null> {
  if (!isId(productId)) return null;
  const [row] = await db<ProductRow[]>`select ${
    productColumns(db)
  } from loan_products where id = ${productId}`;
  return row ? fromRow(row) : null;
}

/** The edit form as staff typed it (all text; checkboxes `"on"` or `""`; methods as chosen). */
export interface ProductFormInput {
  name: string;
  description: string;
  borrowerKind: string;
  minAmountYuan: string;
  maxAmountYuan: string;
  termUnit: string;
  /** Comma- or space-separated terms: `3, 6, 12`. */
  terms: string;
  methods: string[];
  /** Percent per grade: `rateAMin`, `rateAMax`, … `rateEMax`. */
  rates: Record<`${LoanGrade}${"Min" | "Max"}`, string>;
  serviceFeePercent: string;
  interestManagementFeePercent: string;
  minBidYuan: string;
  bidUnitYuan: string;
  biddingDays: string;
  newbieOnly: string;
  prepaymentAllowed: string;
  prepaymentFeePercent: string;
  penaltyDayPercent: string;
  penaltyDayPercentAfter30: string;
  accelerationDays: string;
  active: string;
}

/** The validated settings {@link updateProduct} writes. */
export type ProductSettings = Omit<LoanProduct, "id" | "code" | "kind" | "updatedAt">;

const MAX_PRODUCT_FEN = 500_000_000n;

const yuan = (label: string, min: Fen, max: Fen) =>
  z.string().trim().transform((text, ctx) => {
    const fen = parseYuanToFen(text);
    if (fen === null) {
      ctx.addIssue({ code: "custom", message: `请输入${label}（元），最多两位小数` });
      return z.NEVER;
    }
    if (fen < min || fen > max) {
      ctx.addIssue({
        code: "custom",
        message: `${label}须在 ${String(min / 100n)}–${String(max / 100n)} 元之间`,
      });
      return z.NEVER;
    }
    return fen;
  });

const percent = (label: string, maxMicros: number) =>
  z.string().trim().transform((text, ctx) => {
    const micros = parsePercentToMicros(text);
    if (micros === null) {
      ctx.addIssue({ code: "custom", message: `请输入${label}（%），最多四位小数` });
      return z.NEVER;
    }
    if (micros > maxMicros) {
      ctx.addIssue({ code: "custom", message: `${label}不能超过 ${maxMicros / 10_000}%` });
      return z.NEVER;
    }
    return micros;
  });

const wholeNumber = (label: string, min: number, max: number) =>
  z.string().trim().transform((text, ctx) => {
    if (!/^\d{1,4}$/.test(text) || Number(text) < min || Number(text) > max) {
      ctx.addIssue({ code: "custom", message: `${label}须为 ${min}–${max} 的整数` });
      return z.NEVER;
    }
    return Number(text);
  });

const checkbox = z.string().transform((v) => v === "on" || v === "true" || v === "1");

const rateFields = Object.fromEntries(
  LOAN_GRADES.flatMap((g) => [
    [`${g}Min`, percent(`${g} 级最低年利率`, 360_000)],
    [`${g}Max`, percent(`${g} 级最高年利率`, 360_000)],
  ]),
) as Record<`${LoanGrade}${"Min" | "Max"}`, ReturnType<typeof percent>>;

const productFormSchema = z.object({
  name: z.string().trim().min(1, "请填写产品名称").max(40, "产品名称最多 40 个字"),
  description: z.string().trim().max(500, "产品说明最多 500 个字"),
  borrowerKind: z.enum(["person", "business"], { message: "请选择借款人类型" }),
  minAmountYuan: yuan("最低借款金额", 100n, MAX_PRODUCT_FEN),
  maxAmountYuan: yuan("最高借款金额", 100n, MAX_PRODUCT_FEN),
  termUnit: z.enum(["month", "day"], { message: "请选择期限单位" }),
  terms: z.string().trim().transform((text, ctx) => {
    const parts = text.split(/[\s,，、]+/).filter(Boolean);
    if (parts.length === 0 || parts.length > 24 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
      ctx.addIssue({ code: "custom", message: "请填写 1–24 个期限（整数，用逗号分隔），如 3, 6, 12" });
      return z.NEVER;
    }
    const terms = [...new Set(parts.map(Number))].sort((a, b) => a - b);
    if (terms.some((t) => t < 1)) {
      ctx.addIssue({ code: "custom", message: "期限须大于 0" });
      return z.NEVER;
    }
    return terms;
  }),
  methods: z.array(z.enum(REPAYMENT_METHODS as [RepaymentMethod, ...RepaymentMethod[]], "还款方式无效"))
    .min(1, "请至少选择一种还款方式").max(4),
  rates: z.object(rateFields),
  serviceFeePercent: percent("服务费率", 200_000),
  interestManagementFeePercent: percent("利息管理费率", 500_000),
  minBidYuan: yuan("起投金额", 1n, MAX_PRODUCT_FEN),
  bidUnitYuan: yuan("递增金额", 1n, MAX_PRODUCT_FEN),
  biddingDays: wholeNumber("募集天数", 1, 30),
  newbieOnly: checkbox,
  prepaymentAllowed: checkbox,
  prepaymentFeePercent: percent("提前还款手续费率", 100_000),
  penaltyDayPercent: percent("逾期 1–30 天日罚息率", 10_000),
  penaltyDayPercentAfter30: percent("逾期 31 天起日罚息率", 10_000),
  accelerationDays: wholeNumber("加速到期天数", 1, 365),
  active: checkbox,
}).superRefine((v, ctx) => {
  if (v.maxAmountYuan < v.minAmountYuan) {
    ctx.addIssue({ code: "custom", path: ["maxAmountYuan"], message: "最高借款金额不能低于最低借款金额" });
  }
  const maxTerm = v.termUnit === "month" ? 360 : 365;
  if (v.terms.some((t) => t > maxTerm)) {
    ctx.addIssue({
      code: "custom",
      path: ["terms"],
      message: v.termUnit === "month" ? "按月的期限最长 360 个月" : "按天的期限最长 365 天",
    });
  }
  if (v.termUnit === "day" && (v.methods.length !== 1 || v.methods[0] !== "bullet")) {
    ctx.addIssue({ code: "custom", path: ["methods"], message: "按天计的短期借款只能选择到期还本付息" });
  }
  for (const g of LOAN_GRADES) {
    if (v.rates[`${g}Min`] > v.rates[`${g}Max`]) {
      ctx.addIssue({ code: "custom", path: [`rate${g}Max`], message: `${g} 级最高年利率不能低于最低年利率` });
    }
  }
  if (v.bidUnitYuan > v.minBidYuan) {
    ctx.addIssue({ code: "custom", path: ["bidUnitYuan"], message: "递增金额不能大于起投金额" });
  }
  if (v.minBidYuan > v.minAmountYuan) {
    ctx.addIssue({ code: "custom", path: ["minBidYuan"], message: "起投金额不能大于最低借款金额" });
  }
  if (v.penaltyDayPercentAfter30 < v.penaltyDayPercent) {
    ctx.addIssue({
      code: "custom",
      path: ["penaltyDayPercentAfter30"],
      message: "逾期 31 天起的日罚息率不能低于 1–30 天的",
    });
  }
});

/**
 * Validate the edit form (pure): every field, then the rules between fields (min ≤ max amount, rate
 * ranges per grade, day terms only with the bullet method, bid unit ≤ minimum bid ≤ minimum amount,
 * penalty after day 30 ≥ before). Field errors are keyed like the form (`rateAMin`, `methods`, …).
 */
export function parseProductForm(
  input: ProductFormInput,
): { ok: true; settings: ProductSettings } | { ok: false; fields: Record<string, string[]> } {
  const parsed = productFormSchema.safeParse(input);
  if (!parsed.success) {
    const raw = fieldErrorsFrom(parsed.error, "form");
    const fields: Record<string, string[]> = {};
    for (const [key, messages] of Object.entries(raw)) {
      // rates.AMin → rateAMin (the form's name); methods.0 → methods
      const name = key.startsWith("rates.") ? `rate${key.slice(6)}` : key.split(".")[0];
      (fields[name] ??= []).push(...messages);
    }
    return { ok: false, fields };
  }
  const v = parsed.data;
  const gradeRates = Object.fromEntries(
    LOAN_GRADES.map((g) => [g, { minRateMicros: v.rates[`${g}Min`], maxRateMicros: v.rates[`${g}Max`] }]),
  ) as Record<LoanGrade, RateRange>;
  return {
    ok: true,
    settings: {
      name: v.name,
      description: v.description,
      borrowerKind: v.borrowerKind,
      minAmountFen: v.minAmountYuan,
      maxAmountFen: v.maxAmountYuan,
      termUnit: v.termUnit,
      terms: v.terms,
      methods: REPAYMENT_METHODS.filter((m) => v.methods.includes(m)),
      gradeRates,
      serviceFeeMicros: v.serviceFeePercent,
      interestManagementFeeMicros: v.interestManagementFeePercent,
      minBidFen: v.minBidYuan,
      bidUnitFen: v.bidUnitYuan,
      biddingDays: v.biddingDays,
      newbieOnly: v.newbieOnly,
      prepaymentAllowed: v.prepaymentAllowed,
      prepaymentFeeMicros: v.prepaymentFeePercent,
      penaltyDayMicros: v.penaltyDayPercent,
      penaltyDayMicrosAfter30: v.penaltyDayPercentAfter30,
      accelerationDays: v.accelerationDays,
      active: v.active,
    },
  };
}

/** Outcome of {@link updateProduct}. */
export type UpdateProductResult =
  | { ok: true; changed: string[] }
  | { ok: false; code: "forbidden" | "not_found" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages for the failures of {@link updateProduct}. */
export const UPDATE_PRODUCT_MESSAGES = {
  forbidden: "无权操作",
  not_found: "产品不存在",
} as const;

/** A value of the audit detail: fen and other bigints as decimal strings. */
function auditValue(value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  return value;
}

/**
 * Change a product's settings. Needs `risk.rules`. Every field is validated ({@link parseProductForm});
 * the row is locked, written and audited as `product.update` (target `loan_product:<id>`, with each changed
 * field's old and new value) in one transaction. Saving the same settings changes nothing and writes no
 * audit row (`changed: []`). Loans already approved keep the terms they were approved with.
 */
export async function updateProduct(
  db: Db,
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
  input: { productId: string } & ProductFormInput,
): Promise<UpdateProductResult> {
  if (!can(actor.staff, "risk.rules")) return { ok: false, code: "forbidden" };
  if (!isId(input.productId)) return { ok: false, code: "not_found" };
  const parsed = parseProductForm(input);
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  const s = parsed.settings;
  return await transaction(db, async (tx): Promise<UpdateProductResult> => {
    const [row] = await tx<ProductRow[]>`
      select ${productColumns(tx)} from loan_products where id = ${input.productId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    const before = fromRow(row);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(s) as (keyof ProductSettings)[]) {
      const a = JSON.stringify(before[key], (_k, v) => auditValue(v));
      const b = JSON.stringify(s[key], (_k, v) => auditValue(v));
      if (a !== b) changes[key] = { from: JSON.parse(a), to: JSON.parse(b) };
    }
    const changed = Object.keys(changes);
    if (changed.length === 0) return { ok: true, changed };
    await tx`
      update loan_products set name = ${s.name}, description = ${s.description}, borrower_kind = ${s.borrowerKind},
        min_amount_fen = ${s.minAmountFen}, max_amount_fen = ${s.maxAmountFen}, term_unit = ${s.termUnit},
        terms = ${s.terms}, methods = ${s.methods}, grade_rates = ${tx.json(s.gradeRates as never)},
        service_fee_micros = ${s.serviceFeeMicros}, interest_management_fee_micros = ${s.interestManagementFeeMicros},
        min_bid_fen = ${s.minBidFen}, bid_unit_fen = ${s.bidUnitFen}, bidding_days = ${s.biddingDays},
        newbie_only = ${s.newbieOnly}, prepayment_allowed = ${s.prepaymentAllowed},
        prepayment_fee_micros = ${s.prepaymentFeeMicros}, penalty_day_micros = ${s.penaltyDayMicros},
        penalty_day_micros_after_30 = ${s.penaltyDayMicrosAfter30}, acceleration_days = ${s.accelerationDays},
        active = ${s.active}, updated_by = ${actor.staff.id}, updated_at = now()
      where id = ${row.id}`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "product.update",
      target: `loan_product:${row.id}`,
      detail: { code: before.code, changes },
      ip: actor.ip,
    });
    return { ok: true, changed };
  });
}
