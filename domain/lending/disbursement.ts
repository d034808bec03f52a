/**
 * Full review (满标审核) and disbursement (放款), with four eyes: one staff member with `loans.review`
 * reviews a full loan, a DIFFERENT one with `finance.disburse` disburses it.
 *
 * {@link disburseLoan} does everything in ONE transaction, the loan row locked:
 * 1. per bid a `loan_disbursement` entry (investor frozen −x, borrower available +x), then the
 *    `service_fee` entry (borrower available −fee, platform fee income +fee; fee = amount × the product's
 *    service fee, half-up);
 * 2. bids → disbursed; one claim per bid (set-based); the borrower's installments from
 *    {@link computeSchedule}, due monthly from the interest start date (the Asia/Shanghai day of the
 *    disbursement; a term in days falls due on its maturity day); each claim's share of each installment
 *    ({@link splitInstallments}: rows and columns sum exactly);
 * 3. one custody batch (every investor's frozen money → the borrower, the fee → the platform);
 * 4. reminders for every installment through the outbox ({@link publishInstallmentReminders});
 * 5. loan → repaying (version bumped), audit, loan event, notifications to the borrower and the investors.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { postEntry } from "../ledger/ledger.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { createCustodyBatch } from "../payments/custody_batch.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { splitInstallments } from "./claim_allocation.ts";
import { addDays } from "./repayment.ts";
import { recordLoanEvent } from "./loan_events.ts";
import { publishInstallmentReminders } from "./reminders.ts";
import { computeSchedule, type RepaymentMethod, roundHalfUp } from "./schedule.ts";

/** Who acts: a staff member and the request's IP. */
export interface StaffActor {
  staff: Pick<SessionStaff, "id" | "permissions">;
  ip: string | null;
}

/** Rows of claim installments written per statement. */
const CLAIM_ROWS_PER_INSERT = 5_000;

/** Outcome of {@link reviewFullLoan}. */
export type ReviewFullLoanResult =
  | { ok: true; loanId: string }
  | { ok: false; code: "forbidden" | "not_found" | "not_full" };

/** Outcome of {@link disburseLoan}. */
export type DisburseLoanResult =
  | { ok: true; loanId: string; instructionId: string; claimCount: number; serviceFeeFen: Fen }
  | {
    ok: false;
    code:
      | "forbidden"
      | "not_found"
      | "not_reviewed"
      | "same_staff"
      | "not_funded"
      | "no_custody_account"
      | "insufficient_funds";
  };

/** Chinese messages of the refusals. */
export const DISBURSEMENT_MESSAGES = {
  forbidden: "没有该操作的权限",
  not_found: "借款项目不存在",
  not_full: "该项目不是满标待审核状态",
  not_reviewed: "该项目尚未通过满标审核，或已放款",
  same_staff: "满标审核人不能同时放款（四眼原则），请由另一位财务人员放款",
  not_funded: "投标金额与借款金额不一致，无法放款",
  no_custody_account: "借款人或投资人没有已开通的存管账户",
  insufficient_funds: "投资人冻结资金不足，无法放款",
} as const;

/** `day` (`YYYY-MM-DD`) plus `months`, the day of month clamped to the month's length (1-31 → 2-28/29). */
export function addMonthsToDay(day: string, months: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const monthIndex = m - 1 + months;
  const year = y + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, last))).toISOString().slice(0, 10);
}

/**
 * 满标审核: a full loan is checked by staff with `loans.review` and becomes `full_reviewed` (the reviewer
 * is recorded: they may not disburse it). `now`: the review's time (default the current time).
 */
export async function reviewFullLoan(
  db: Db,
  actor: StaffActor,
  input: { loanId: string; note?: string; now?: Date },
  deps?: { outbox: Outbox },
): Promise<ReviewFullLoanResult> {
  void deps;
  const now = input.now ?? new Date();
  if (!can(actor.staff, "loans.review")) return { ok: false, code: "forbidden" };
  if (!/^[1-9][0-9]{0,18}$/.test(input.loanId)) return { ok: false, code: "not_found" };
  const note = (input.note ?? "").trim().slice(0, 200);
  return await transaction(db, async (tx, rollback) => {
    const [loan] = await tx<{ status: string; fundedFen: bigint; amountFen: bigint }[]>`
      select status, funded_fen as "fundedFen", amount_fen as "amountFen" from loans
      where id = ${input.loanId} for update`;
    if (!loan) return rollback({ ok: false, code: "not_found" });
    if (loan.status !== "full" || BigInt(loan.fundedFen) !== BigInt(loan.amountFen)) {
      return rollback({ ok: false, code: "not_full" });
    }
    await tx`update loans set status = 'full_reviewed', full_reviewed_by = ${actor.staff.id},
               full_reviewed_at = ${now}, version = version + 1, updated_at = now()
             where id = ${input.loanId}`;
    await recordLoanEvent(tx, {
      loanId: input.loanId,
      kind: "full_reviewed",
      staffId: actor.staff.id,
      detail: { note },
      at: now,
    });
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "loan.full_review",
      target: `loan:${input.loanId}`,
      detail: { note },
      ip: actor.ip,
    });
    return { ok: true, loanId: input.loanId } as const;
  });
}

interface LoanRow {
  id: string;
  borrowerId: string;
  title: string;
  status: string;
  amountFen: bigint;
  fundedFen: bigint;
  annualRateMicros: number;
  termUnit: "month" | "day";
  termCount: number;
  method: RepaymentMethod;
  serviceFeeMicros: number;
  fullReviewedBy: string | null;
}

/**
 * 放款 (see the module doc). `now` is for tests (default the current time).
 */
export async function disburseLoan(
  db: Db,
  deps: { outbox: Outbox },
  actor: StaffActor,
  input: { loanId: string; now?: Date },
): Promise<DisburseLoanResult> {
  if (!can(actor.staff, "finance.disburse")) return { ok: false, code: "forbidden" };
  if (!/^[1-9][0-9]{0,18}$/.test(input.loanId)) return { ok: false, code: "not_found" };
  const now = input.now ?? new Date();
  return await transaction(db, async (tx, rollback): Promise<DisburseLoanResult> => {
    const [loan] = await tx<LoanRow[]>`
      select id::text as id, borrower_id::text as "borrowerId", title, status, amount_fen as "amountFen",
             funded_fen as "fundedFen", annual_rate_micros as "annualRateMicros", term_unit as "termUnit",
             term_count as "termCount", method, service_fee_micros as "serviceFeeMicros",
             full_reviewed_by::text as "fullReviewedBy"
      from loans where id = ${input.loanId} for update`;
    if (!loan) return rollback({ ok: false, code: "not_found" });
    if (loan.status !== "full_reviewed") return rollback({ ok: false, code: "not_reviewed" });
    if (loan.fullReviewedBy === actor.staff.id) return rollback({ ok: false, code: "same_staff" });
    const amount = BigInt(loan.amountFen);
    const bids = (await tx<{ id: string; investorId: string; amountFen: bigint }[]>`
      select id::text as id, investor_id::text as "investorId", amount_fen as "amountFen"
      from bids where loan_id = ${loan.id} and status = 'frozen' order by id for update`)
      .map((b) => ({ ...b, amountFen: BigInt(b.amountFen) }));
    const funded = bids.reduce((s, b) => s + b.amountFen, 0n);
    if (bids.length === 0 || funded !== amount || BigInt(loan.fundedFen) !== amount) {
      return rollback({ ok: false, code: "not_funded" });
    }
    const result = await disburseLocked(tx, deps, actor, loan, bids, now);
    if (!result.ok) return rollback(result);
    return result;
  });
}

async function disburseLocked(
  tx: Tx,
  deps: { outbox: Outbox },
  actor: StaffActor,
  loan: LoanRow,
  bids: { id: string; investorId: string; amountFen: bigint }[],
  now: Date,
): Promise<DisburseLoanResult> {
  const amount = BigInt(loan.amountFen);
  // 1. ledger
  for (const bid of bids) {
    const posted = await postEntry(tx, {
      businessType: "loan_disbursement",
      reference: `loan:${loan.id}`,
      idempotencyKey: `loan_disbursement:${bid.id}`,
      memo: `放款 ${loan.title}`.slice(0, 500),
      lines: [
        { account: { kind: "user_frozen", userId: bid.investorId }, amountFen: -bid.amountFen },
        { account: { kind: "user_available", userId: loan.borrowerId }, amountFen: bid.amountFen },
      ],
    });
    if (!posted.ok) return { ok: false, code: "insufficient_funds" };
  }
  const serviceFee = roundHalfUp(amount * BigInt(loan.serviceFeeMicros), 1_000_000n);
  if (serviceFee > 0n) {
    const fee = await postEntry(tx, {
      businessType: "service_fee",
      reference: `loan:${loan.id}`,
      idempotencyKey: `service_fee:${loan.id}`,
      memo: `借款服务费 ${loan.title}`.slice(0, 500),
      lines: [
        { account: { kind: "user_available", userId: loan.borrowerId }, amountFen: -serviceFee },
        { account: { kind: "platform_fee_income" }, amountFen: serviceFee },
      ],
    });
    if (!fee.ok) return { ok: false, code: "insufficient_funds" };
  }
  // 2. bids, claims, installments
  await tx`update bids set status = 'disbursed' where loan_id = ${loan.id} and status = 'frozen'`;
  const claims = (await tx<{ id: string; bidId: string; investorId: string; principalFen: bigint }[]>`
    insert into claims (loan_id, bid_id, investor_id, principal_fen)
    select ${loan.id}, b.id, b.investor_id, b.amount_fen from bids b
    where b.loan_id = ${loan.id} and b.status = 'disbursed' order by b.id
    returning id::text as id, bid_id::text as "bidId", investor_id::text as "investorId",
              principal_fen as "principalFen"`)
    .map((c) => ({ ...c, principalFen: BigInt(c.principalFen) }))
    .sort((a, b) => Number(BigInt(a.bidId) - BigInt(b.bidId)));
  const startDay = formatShanghaiDate(now);
  const schedule = computeSchedule({
    method: loan.method,
    principalFen: amount,
    annualRateMicros: loan.annualRateMicros,
    ...(loan.termUnit === "day" ? { days: loan.termCount } : { months: loan.termCount }),
  });
  const dueDates = schedule.periods.map((p) =>
    loan.termUnit === "day" ? addDays(startDay, loan.termCount) : addMonthsToDay(startDay, p.period)
  );
  const maturity = dueDates[dueDates.length - 1];
  await tx`
    insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen)
    select ${loan.id}, p, d::date, pr, i
    from unnest(${schedule.periods.map((p) => p.period)}::int[], ${dueDates}::text[],
      ${schedule.periods.map((p) => p.principalFen.toString())}::bigint[],
      ${schedule.periods.map((p) => p.interestFen.toString())}::bigint[]) as x(p, d, pr, i)`;
  const split = splitInstallments(claims.map((c) => c.principalFen), schedule.periods);
  const rows: { claimId: string; period: number; investorId: string; due: string; p: bigint; i: bigint }[] =
    [];
  claims.forEach((c, j) => {
    schedule.periods.forEach((period, k) => {
      rows.push({
        claimId: c.id,
        period: period.period,
        investorId: c.investorId,
        due: dueDates[k],
        p: split.principal[j][k],
        i: split.interest[j][k],
      });
    });
  });
  for (let start = 0; start < rows.length; start += CLAIM_ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + CLAIM_ROWS_PER_INSERT);
    await tx`
      insert into claim_installments (claim_id, period, loan_id, investor_id, due_date, principal_fen, interest_fen)
      select c, p, ${loan.id}, inv, d::date, pr, i
      from unnest(${chunk.map((r) => r.claimId)}::bigint[], ${chunk.map((r) => r.period)}::int[],
        ${chunk.map((r) => r.investorId)}::bigint[], ${chunk.map((r) => r.due)}::text[],
        ${chunk.map((r) => r.p.toString())}::bigint[], ${chunk.map((r) => r.i.toString())}::bigint[])
        as x(c, p, inv, d, pr, i)`;
  }
  // 3. custody: one batch
  const lines = bids.map((b) => ({
    fromUserId: b.investorId,
    toUserId: loan.borrowerId,
    amountFen: b.amountFen,
    fromFrozen: true,
  }));
  const batch = await createCustodyBatch(tx, {
    reference: `loan_disbursement:${loan.id}`,
    idempotencyKey: `loan_disbursement:${loan.id}`,
    lines: serviceFee > 0n
      ? [...lines, { fromUserId: loan.borrowerId, toUserId: null, amountFen: serviceFee, fromFrozen: false }]
      : lines,
  }, deps);
  if (!batch.ok) return { ok: false, code: "no_custody_account" };
  // 4. reminders
  await publishInstallmentReminders(tx, deps.outbox, {
    loanId: loan.id,
    installments: schedule.periods.map((p, k) => ({ period: p.period, dueDate: dueDates[k] })),
    now,
  });
  // 5. the loan, history, audit, notifications
  await tx`
    update loans set status = 'repaying', disbursed_at = ${now}, interest_start_date = ${startDay}::date,
      maturity_date = ${maturity}::date, service_fee_fen = ${serviceFee}, disbursed_by = ${actor.staff.id},
      disbursement_instruction_id = ${batch.instructionId}, version = version + 1, updated_at = now()
    where id = ${loan.id}`;
  const detail = {
    amountFen: amount.toString(),
    serviceFeeFen: serviceFee.toString(),
    claims: claims.length,
    instructionId: batch.instructionId,
    interestStartDate: startDay,
    maturityDate: maturity,
  };
  await recordLoanEvent(tx, { loanId: loan.id, kind: "disbursed", staffId: actor.staff.id, detail, at: now });
  await appendAudit(tx, {
    staffId: actor.staff.id,
    action: "loan.disburse",
    target: `loan:${loan.id}`,
    detail,
    ip: actor.ip,
  });
  await notify(tx, deps.outbox, {
    userId: loan.borrowerId,
    kind: "generic",
    key: `loan_disbursed:${loan.id}`,
    payload: {
      title: "借款已放款",
      body: `您的借款「${loan.title}」已放款 ${formatFen(amount)} 元，扣除借款服务费 ${
        formatFen(serviceFee)
      } 元后已转入可用余额。起息日 ${startDay}，首期还款日 ${dueDates[0]}。`,
    },
  });
  const perInvestor = new Map<string, bigint>();
  for (const b of bids) perInvestor.set(b.investorId, (perInvestor.get(b.investorId) ?? 0n) + b.amountFen);
  for (const [investorId, invested] of perInvestor) {
    await notify(tx, deps.outbox, {
      userId: investorId,
      kind: "generic",
      key: `loan_disbursed:${loan.id}`,
      payload: {
        title: "投资项目已放款",
        body: `您投资的「${loan.title}」已满标放款，投资金额 ${formatFen(invested)} 元，起息日 ${startDay}。`,
      },
    });
  }
  return {
    ok: true,
    loanId: loan.id,
    instructionId: batch.instructionId,
    claimCount: claims.length,
    serviceFeeFen: serviceFee,
  };
}
