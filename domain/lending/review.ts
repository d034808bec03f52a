/**
 * Manual review (人工审核) of loan applications by risk staff (`loans.review`): approve (grade, rate within
 * the product's range for the grade, title, publish time), reject with a reason, or ask for more material.
 *
 * Approval creates the loan (status `scheduled`; it opens at `publish_at` — domain/lending/listing.ts —
 * and bidding closes `bidding_days` later). An approval of more than the four-eyes threshold
 * (`lending_settings.four_eyes_threshold_fen`, default ¥100,000, edited by `risk.rules` staff) needs a
 * second reviewer: the first approval is stored as pending (`loan_approvals`), and a DIFFERENT staff member
 * confirms it ({@link confirmApproval}); the same one is refused.
 *
 * Every decision: one transaction with the application row locked, an audit entry, a loan event and a
 * notification to the borrower.
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, formatRateMicros } from "../money/format.ts";
import { type FieldErrors, fieldErrorsFrom } from "../shared/field_errors.ts";
import { formatShanghaiDateTime } from "../shared/shanghai_time.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import type { StaffActor } from "./disbursement.ts";
import { recordLoanEvent } from "./loan_events.ts";
import { GRADE_RISK_LEVELS, type LoanGrade, parseGradeRates } from "./products.ts";

/** Default four-eyes threshold: ¥100,000. */
export const DEFAULT_FOUR_EYES_THRESHOLD_FEN: Fen = 10_000_000n;
/** The latest publish time an approval may set (days ahead). */
export const MAX_PUBLISH_AHEAD_DAYS = 30;

/** Fields of the approval form. */
export type ApprovalField = "grade" | "annualRateMicros" | "title" | "publishAt" | "repaymentSource";

/** The approval's terms (validated). */
export const approvalSchema = z.object({
  applicationId: z.string().regex(/^[1-9][0-9]{0,18}$/, "申请不存在"),
  grade: z.enum(["A", "B", "C", "D", "E"], { message: "请选择评级" }),
  annualRateMicros: z.number({ message: "请填写年利率" }).int("年利率最多保留四位小数").min(1, "请填写年利率")
    .max(360_000, "年利率不能超过 36%"),
  title: z.string().trim().min(2, "项目名称至少 2 个字").max(60, "项目名称最多 60 个字"),
  publishAt: z.date({ message: "请填写发布时间" }),
  repaymentSource: z.string().trim().max(200, "还款来源最多 200 个字").default(""),
});
/** What {@link approveApplication} accepts. */
export type ApprovalInput = z.input<typeof approvalSchema>;

/** Outcome of {@link approveApplication} / {@link confirmApproval}. */
export type ApproveResult =
  | { ok: true; outcome: "approved"; loanId: string }
  | { ok: true; outcome: "pending_second"; approvalId: string }
  | { ok: false; code: "invalid"; fieldErrors: FieldErrors<ApprovalField> }
  | {
    ok: false;
    code:
      | "forbidden"
      | "not_found"
      | "wrong_status"
      | "rate_out_of_range"
      | "pending_exists"
      | "no_pending"
      | "same_reviewer"
      | "publish_too_late";
    range?: { minRateMicros: number; maxRateMicros: number };
  };

/** Outcome of {@link rejectApplication} / {@link requestMoreInfo}. */
export type DecisionResult =
  | { ok: true }
  | { ok: false; code: "forbidden" | "not_found" | "wrong_status" | "reason_required" };

/** Chinese messages of the refusals. */
export const REVIEW_MESSAGES = {
  forbidden: "没有借款审核权限",
  not_found: "借款申请不存在",
  wrong_status: "该申请当前状态不能进行此操作",
  rate_out_of_range: "年利率不在该产品此评级允许的范围内",
  pending_exists: "该申请已有待复核的审批，请由另一位审核员复核",
  no_pending: "该申请没有待复核的审批",
  same_reviewer: "复核人不能与初审人相同（四眼原则）",
  publish_too_late: `发布时间不能晚于 ${MAX_PUBLISH_AHEAD_DAYS} 天后`,
  reason_required: "请填写原因（2–500 字）",
  invalid: "请检查填写的内容",
} as const;

/** The four-eyes threshold now in force. */
export async function fourEyesThreshold(db: Queryable): Promise<Fen> {
  const [row] = await db<{ fen: bigint }[]>`select four_eyes_threshold_fen as fen from lending_settings`;
  return row ? BigInt(row.fen) : DEFAULT_FOUR_EYES_THRESHOLD_FEN;
}

/** Outcome of {@link updateFourEyesThreshold}. */
export type UpdateThresholdResult = { ok: true } | { ok: false; code: "forbidden" | "invalid" };

/** Change the four-eyes threshold (`risk.rules`; audited). */
export async function updateFourEyesThreshold(
  db: Db,
  actor: StaffActor,
  input: { thresholdFen: Fen },
): Promise<UpdateThresholdResult> {
  if (!can(actor.staff, "risk.rules")) return { ok: false, code: "forbidden" };
  if (
    typeof input.thresholdFen !== "bigint" || input.thresholdFen <= 0n || input.thresholdFen > 500_000_000n
  ) {
    return { ok: false, code: "invalid" };
  }
  return await transaction(db, async (tx) => {
    const before = await fourEyesThreshold(tx);
    await tx`update lending_settings set four_eyes_threshold_fen = ${input.thresholdFen},
               updated_by = ${actor.staff.id}, updated_at = now()`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "lending.settings.four_eyes",
      target: "lending_settings",
      detail: { beforeFen: before.toString(), afterFen: input.thresholdFen.toString() },
      ip: actor.ip,
    });
    return { ok: true } as const;
  });
}

interface LockedApplication {
  id: string;
  userId: string;
  status: string;
  productId: string;
  amountFen: bigint;
  termCount: number;
  method: string;
  purpose: string | null;
  details: Record<string, unknown> | string;
  monthlyIncomeFen: bigint | null;
  monthlyDebtFen: bigint | null;
}

async function lockApplication(tx: Tx, applicationId: string): Promise<LockedApplication | null> {
  const [row] = await tx<LockedApplication[]>`
    select id::text as id, user_id::text as "userId", status, product_id::text as "productId",
           amount_fen as "amountFen", term_count as "termCount", method, purpose, details,
           monthly_income_fen as "monthlyIncomeFen", monthly_debt_fen as "monthlyDebtFen"
    from loan_applications where id = ${applicationId} for update`;
  return row ?? null;
}

/** The stored terms of a pending approval. */
interface StoredTerms {
  grade: LoanGrade;
  annualRateMicros: number;
  title: string;
  publishAt: string;
  repaymentSource: string;
}

/**
 * Approve an application in manual review (see the module doc): creates the loan, or — above the
 * four-eyes threshold — records the first approval for a second reviewer.
 */
export async function approveApplication(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: ApprovalInput,
  now: Date = new Date(),
): Promise<ApproveResult> {
  if (!can(actor.staff, "loans.review")) return { ok: false, code: "forbidden" };
  const parsed = approvalSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, code: "invalid", fieldErrors: fieldErrorsFrom<ApprovalField>(parsed.error, "title") };
  }
  const terms = parsed.data;
  if (terms.publishAt.getTime() > now.getTime() + MAX_PUBLISH_AHEAD_DAYS * 86_400_000) {
    return { ok: false, code: "publish_too_late" };
  }
  return await transaction(db, async (tx, rollback): Promise<ApproveResult> => {
    const app = await lockApplication(tx, terms.applicationId);
    if (!app) return rollback({ ok: false, code: "not_found" });
    if (app.status !== "manual_review") return rollback({ ok: false, code: "wrong_status" });
    const [product] = await tx<{ gradeRates: unknown }[]>`
      select grade_rates as "gradeRates" from loan_products where id = ${app.productId}`;
    const range = parseGradeRates(product.gradeRates)[terms.grade];
    if (terms.annualRateMicros < range.minRateMicros || terms.annualRateMicros > range.maxRateMicros) {
      return rollback({ ok: false, code: "rate_out_of_range", range });
    }
    const [pending] = await tx<{ id: string }[]>`
      select id::text as id from loan_approvals where application_id = ${app.id} and status = 'pending'`;
    if (pending) return rollback({ ok: false, code: "pending_exists" });
    const stored: StoredTerms = {
      grade: terms.grade,
      annualRateMicros: terms.annualRateMicros,
      title: terms.title,
      publishAt: terms.publishAt.toISOString(),
      repaymentSource: terms.repaymentSource,
    };
    if (BigInt(app.amountFen) > await fourEyesThreshold(tx)) {
      const [approval] = await tx<{ id: string }[]>`
        insert into loan_approvals (application_id, terms, first_staff_id, created_at)
        values (${app.id}, ${tx.json(stored as never)}, ${actor.staff.id}, ${now}) returning id::text as id`;
      await recordLoanEvent(tx, {
        applicationId: app.id,
        kind: "approval_pending",
        staffId: actor.staff.id,
        detail: { ...stored },
        at: now,
      });
      await appendAudit(tx, {
        staffId: actor.staff.id,
        action: "loan.approve.first",
        target: `loan_application:${app.id}`,
        detail: { ...stored, approvalId: approval.id },
        ip: actor.ip,
      });
      return { ok: true, outcome: "pending_second", approvalId: approval.id };
    }
    const loanId = await createLoan(tx, deps, actor, app, stored, [], now);
    return { ok: true, outcome: "approved", loanId };
  });
}

/**
 * Confirm the pending first approval of an application as the second reviewer: the loan is created with
 * the first reviewer's terms. The first reviewer is refused (`same_reviewer`). `now`: the decision's time
 * (default the current time).
 */
export async function confirmApproval(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: { applicationId: string },
  now: Date = new Date(),
): Promise<ApproveResult> {
  if (!can(actor.staff, "loans.review")) return { ok: false, code: "forbidden" };
  if (!/^[1-9][0-9]{0,18}$/.test(input.applicationId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx, rollback): Promise<ApproveResult> => {
    const app = await lockApplication(tx, input.applicationId);
    if (!app) return rollback({ ok: false, code: "not_found" });
    if (app.status !== "manual_review") return rollback({ ok: false, code: "wrong_status" });
    const [pending] = await tx<{ id: string; firstStaffId: string; terms: StoredTerms | string }[]>`
      select id::text as id, first_staff_id::text as "firstStaffId", terms from loan_approvals
      where application_id = ${app.id} and status = 'pending' for update`;
    if (!pending) return rollback({ ok: false, code: "no_pending" });
    if (pending.firstStaffId === actor.staff.id) return rollback({ ok: false, code: "same_reviewer" });
    const terms: StoredTerms = typeof pending.terms === "string" ? JSON.parse(pending.terms) : pending.terms;
    await tx`update loan_approvals set status = 'confirmed', second_staff_id = ${actor.staff.id}, decided_at = ${now}
             where id = ${pending.id}`;
    const loanId = await createLoan(tx, deps, actor, app, terms, [pending.firstStaffId], now);
    return { ok: true, outcome: "approved", loanId };
  });
}

/**
 * The per-loan disclosure (借款人信息披露) frozen at approval, from the application and the latest automatic
 * decision's signals. Keys: `borrowerType` (个人/企业), `industry`, `city`, `education`, `workYears`,
 * `monthlyIncomeFen`, `monthlyDebtFen`, `overdueCount6m`, `maxOverdueDays6m`, `otherPlatformOutstandingFen`,
 * `otherPlatformLoanCount` (numbers in fen; null when unknown), `creditReportAvailable`.
 */
export async function disclosureFor(tx: Queryable, app: LockedApplication): Promise<Record<string, unknown>> {
  const details = (typeof app.details === "string" ? JSON.parse(app.details) : app.details) as {
    profile?: {
      city?: string;
      employmentType?: string;
      education?: string;
      workYears?: number;
      jobTitle?: string;
    };
    business?: { industry?: string; enterpriseName?: string };
  };
  let bureau: Record<string, unknown> | null = null;
  const [exists] = await tx<{ yes: boolean }[]>`select to_regclass('risk_decisions') is not null as yes`;
  if (exists?.yes) {
    const [decision] = await tx<{ signals: unknown }[]>`
      select signals from risk_decisions where application_id = ${app.id} order by id desc limit 1`;
    const signals = typeof decision?.signals === "string" ? JSON.parse(decision.signals) : decision?.signals;
    bureau = (signals as { bureau?: Record<string, unknown> | null } | undefined)?.bureau ?? null;
  }
  const employment: Record<string, string> = {
    employed: "受雇",
    self_employed: "个体经营",
    business_owner: "企业主",
    freelance: "自由职业",
    other: "其他",
  };
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  return {
    borrowerType: details.business ? "企业" : "个人",
    industry: details.business?.industry ?? employment[details.profile?.employmentType ?? ""] ?? null,
    city: details.profile?.city ?? null,
    education: details.profile?.education ?? null,
    workYears: details.profile?.workYears ?? null,
    monthlyIncomeFen: app.monthlyIncomeFen === null ? null : Number(app.monthlyIncomeFen),
    monthlyDebtFen: app.monthlyDebtFen === null ? null : Number(app.monthlyDebtFen),
    creditReportAvailable: bureau !== null,
    overdueCount6m: num(bureau?.overdueCount6m),
    maxOverdueDays6m: num(bureau?.maxOverdueDays6m),
    otherPlatformOutstandingFen: num(bureau?.otherPlatformOutstandingFen),
    otherPlatformLoanCount: num(bureau?.otherPlatformLoanCount),
  };
}

async function createLoan(
  tx: Tx,
  deps: { outbox: Outbox },
  actor: StaffActor,
  app: LockedApplication,
  terms: StoredTerms,
  earlierReviewers: string[],
  now: Date,
): Promise<string> {
  const [product] = await tx<
    {
      termUnit: string;
      biddingDays: number;
      serviceFeeMicros: number;
      feeMicros: number;
      minBidFen: bigint;
      bidUnitFen: bigint;
      newbieOnly: boolean;
    }[]
  >`
    select term_unit as "termUnit", bidding_days as "biddingDays", service_fee_micros as "serviceFeeMicros",
           interest_management_fee_micros as "feeMicros", min_bid_fen as "minBidFen",
           bid_unit_fen as "bidUnitFen", newbie_only as "newbieOnly"
    from loan_products where id = ${app.productId}`;
  const publishAt = new Date(terms.publishAt);
  const deadline = new Date(publishAt.getTime() + product.biddingDays * 86_400_000);
  const disclosure = await disclosureFor(tx, app);
  const [loan] = await tx<{ id: string }[]>`
    insert into loans (application_id, borrower_id, product_id, title, amount_fen, annual_rate_micros, term_unit,
      term_count, method, grade, risk_level, newbie_only, min_bid_fen, bid_unit_fen, service_fee_micros,
      interest_management_fee_micros, status, purpose, repayment_source, disclosure, publish_at, bid_deadline)
    values (${app.id}, ${app.userId}, ${app.productId}, ${terms.title}, ${app.amountFen}, ${terms.annualRateMicros},
      ${product.termUnit}, ${app.termCount}, ${app.method}, ${terms.grade}, ${GRADE_RISK_LEVELS[terms.grade]},
      ${product.newbieOnly}, ${product.minBidFen}, ${product.bidUnitFen}, ${product.serviceFeeMicros},
      ${product.feeMicros}, 'scheduled', ${(app.purpose ?? "").slice(0, 200)}, ${terms.repaymentSource},
      ${tx.json(disclosure as never)}, ${publishAt}, ${deadline})
    returning id::text as id`;
  await tx`update loan_applications set status = 'approved', decided_at = ${now}, updated_at = now()
           where id = ${app.id}`;
  const detail = { ...terms, loanId: loan.id, reviewers: [...earlierReviewers, actor.staff.id] };
  await recordLoanEvent(tx, {
    applicationId: app.id,
    loanId: loan.id,
    kind: "approved",
    staffId: actor.staff.id,
    detail,
    at: now,
  });
  await appendAudit(tx, {
    staffId: actor.staff.id,
    action: earlierReviewers.length > 0 ? "loan.approve.confirm" : "loan.approve",
    target: `loan_application:${app.id}`,
    detail,
    ip: actor.ip,
  });
  await notify(tx, deps.outbox, {
    userId: app.userId,
    kind: "generic",
    key: `application_approved:${app.id}`,
    payload: {
      title: "借款申请审核通过",
      body: `您的借款申请（${formatFen(BigInt(app.amountFen))} 元）已审核通过，年利率 ${
        formatRateMicros(terms.annualRateMicros)
      }，将于 ${formatShanghaiDateTime(publishAt)} 发布募集。`,
    },
  });
  return loan.id;
}

async function decide(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: { applicationId: string; text: string },
  decision: "rejected" | "more_info",
): Promise<DecisionResult> {
  if (!can(actor.staff, "loans.review")) return { ok: false, code: "forbidden" };
  if (!/^[1-9][0-9]{0,18}$/.test(input.applicationId)) return { ok: false, code: "not_found" };
  const text = (input.text ?? "").trim();
  if (text.length < 2 || text.length > 500) return { ok: false, code: "reason_required" };
  return await transaction(db, async (tx, rollback): Promise<DecisionResult> => {
    const app = await lockApplication(tx, input.applicationId);
    if (!app) return rollback({ ok: false, code: "not_found" });
    const allowed = decision === "rejected" ? ["manual_review", "more_info"] : ["manual_review"];
    if (!allowed.includes(app.status)) return rollback({ ok: false, code: "wrong_status" });
    await tx`update loan_applications set status = ${decision}, review_note = ${text},
               decided_at = ${decision === "rejected" ? new Date() : null}, updated_at = now()
             where id = ${app.id}`;
    await tx`update loan_approvals set status = 'withdrawn', decided_at = now()
             where application_id = ${app.id} and status = 'pending'`;
    await recordLoanEvent(tx, {
      applicationId: app.id,
      kind: decision,
      staffId: actor.staff.id,
      detail: { text },
    });
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: decision === "rejected" ? "loan.reject" : "loan.more_info",
      target: `loan_application:${app.id}`,
      detail: { text },
      ip: actor.ip,
    });
    await notify(tx, deps.outbox, {
      userId: app.userId,
      kind: "generic",
      key: `application_${decision}:${app.id}:${crypto.randomUUID()}`,
      payload: decision === "rejected"
        ? { title: "借款申请未通过", body: `很抱歉，您的借款申请未通过审核。原因：${text}` }
        : {
          title: "借款申请需补充材料",
          body: `您的借款申请需要补充材料：${text}。请在“我的借款申请”中补充后重新提交。`,
        },
    });
    return { ok: true } as const;
  });
}

/** Reject an application in manual review (or waiting for material) with a reason. */
export function rejectApplication(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: { applicationId: string; reason: string },
): Promise<DecisionResult> {
  return decide(db, deps, actor, { applicationId: input.applicationId, text: input.reason }, "rejected");
}

/** Ask the borrower for more material (status `more_info`), saying what is needed. */
export function requestMoreInfo(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: { applicationId: string; needed: string },
): Promise<DecisionResult> {
  return decide(db, deps, actor, { applicationId: input.applicationId, text: input.needed }, "more_info");
}
