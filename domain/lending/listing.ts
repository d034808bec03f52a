/**
 * Listing (上架) and failed listings (流标), run every minute by the `loan_listing` cron
 * (jobs/loan_reminders.ts):
 * - {@link publishDueLoans}: approved loans (`scheduled`) whose publish time has come open for bids;
 * - {@link failExpiredLoans}: open loans whose bidding deadline has passed without being fully funded
 *   fail; every frozen bid is released (a `bid_release` ledger entry and a custody `unfreeze` per bid),
 *   and the investors and the borrower are told.
 * Both are idempotent: a loan changes status once (the row is locked and its status re-checked), and every
 * release carries the bid's idempotency key. Every status change bumps `loans.version` (the hall's cache key).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction } from "../../db/tx.ts";
import { postEntry } from "../ledger/ledger.ts";
import { notify } from "../messaging/notifications.ts";
import { formatFen } from "../money/format.ts";
import { createCustodyInstruction } from "../payments/custody_instruction.ts";
import { recordLoanEvent } from "./loan_events.ts";

/** Loans failed per transaction batch of {@link failExpiredLoans}; it loops until none is left. */
export const FAIL_BATCH = 50;
/** Most loans one call of {@link failExpiredLoans} handles (the next minute's run takes the rest). */
export const FAIL_MAX_PER_RUN = 1_000;

/** Open every scheduled loan whose publish time is ≤ `now`; returns how many opened. */
export async function publishDueLoans(db: Db, now: Date): Promise<number> {
  return await transaction(db, async (tx) => {
    const opened = await tx<{ id: string }[]>`
      update loans set status = 'open', version = version + 1, updated_at = now()
      where id in (select id from loans where status = 'scheduled' and publish_at <= ${now}
                   order by publish_at limit 1000 for update skip locked)
      returning id::text as id`;
    if (opened.length > 0) {
      const ids = opened.map((o) => o.id);
      await tx`
        insert into loan_events (loan_id, kind, detail, created_at)
        select id, 'published', '{}'::jsonb, ${now} from unnest(${ids}::bigint[]) as x(id)`;
    }
    return opened.length;
  });
}

/** Outcome of {@link failExpiredLoans}. */
export interface FailExpiredResult {
  /** Loans that failed now. */
  failed: number;
  /** Bids released now. */
  released: number;
}

/**
 * Fail every open loan whose bidding deadline is ≤ `now` and that is not fully funded (see the module
 * doc). Each loan is failed in its own transaction. Running it again changes nothing.
 *
 * @throws {Error} when a release cannot be booked (the investor's frozen money is missing — the books are
 *   inconsistent; the loan stays open and the next run tries again).
 */
export async function failExpiredLoans(
  db: Db,
  deps: { outbox: Outbox },
  now: Date,
): Promise<FailExpiredResult> {
  const result: FailExpiredResult = { failed: 0, released: 0 };
  const candidates = await db<{ id: string }[]>`
    select id::text as id from loans
    where status = 'open' and bid_deadline <= ${now} and funded_fen < amount_fen
    order by bid_deadline, id limit ${FAIL_MAX_PER_RUN}`;
  for (const { id } of candidates) {
    const released = await failLoan(db, deps, id, now);
    if (released !== null) {
      result.failed++;
      result.released += released;
    }
  }
  return result;
}

/** Fail one loan if it is still open and expired; returns the bids released, or null when nothing changed. */
async function failLoan(db: Db, deps: { outbox: Outbox }, loanId: string, now: Date): Promise<number | null> {
  return await transaction(db, async (tx) => {
    const [loan] = await tx<{ title: string; borrowerId: string; fundedFen: bigint }[]>`
      select title, borrower_id::text as "borrowerId", funded_fen as "fundedFen" from loans
      where id = ${loanId} and status = 'open' and bid_deadline <= ${now} and funded_fen < amount_fen
      for update`;
    if (!loan) return null;
    const bids = await tx<{ id: string; investorId: string; amountFen: bigint }[]>`
      select id::text as id, investor_id::text as "investorId", amount_fen as "amountFen"
      from bids where loan_id = ${loanId} and status = 'frozen' order by id for update`;
    const perInvestor = new Map<string, bigint>();
    for (const bid of bids) {
      const amount = BigInt(bid.amountFen);
      const posted = await postEntry(tx, {
        businessType: "bid_release",
        reference: `bid:${bid.id}`,
        idempotencyKey: `bid_release:${bid.id}`,
        memo: `流标解冻 ${loan.title}`.slice(0, 500),
        lines: [
          { account: { kind: "user_frozen", userId: bid.investorId }, amountFen: -amount },
          { account: { kind: "user_available", userId: bid.investorId }, amountFen: amount },
        ],
      });
      if (!posted.ok) throw new Error(`bid ${bid.id}: frozen money missing (${posted.code})`);
      const custody = await createCustodyInstruction(tx, {
        kind: "unfreeze",
        userId: bid.investorId,
        amountFen: amount,
        reference: `bid:${bid.id}`,
      }, deps);
      if (!custody.ok) {
        // the ledger is right; the bank's frozen part shows in the reconciliation (no sub-account to act on)
        console.error(
          JSON.stringify({ level: "error", msg: "bid_release_no_custody_account", bidId: bid.id }),
        );
      }
      perInvestor.set(bid.investorId, (perInvestor.get(bid.investorId) ?? 0n) + amount);
    }
    await tx`update bids set status = 'released' where loan_id = ${loanId} and status = 'frozen'`;
    await tx`update loans set status = 'failed', failed_at = ${now}, version = version + 1, updated_at = now()
             where id = ${loanId}`;
    await recordLoanEvent(tx, {
      loanId,
      kind: "failed",
      detail: { bids: bids.length, fundedFen: BigInt(loan.fundedFen).toString() },
      at: now,
    });
    for (const [investorId, amount] of perInvestor) {
      await notify(tx, deps.outbox, {
        userId: investorId,
        kind: "generic",
        key: `loan_failed:${loanId}`,
        payload: {
          title: "投资项目流标",
          body: `您投资的「${loan.title}」募集期结束未满标（流标），冻结的 ${
            formatFen(amount)
          } 元已解冻至可用余额。`,
        },
      });
    }
    await notify(tx, deps.outbox, {
      userId: loan.borrowerId,
      kind: "generic",
      key: `loan_failed:${loanId}`,
      payload: {
        title: "借款项目流标",
        body: `您的借款「${loan.title}」在募集期内未满标，项目已流标，可重新提交借款申请。`,
      },
    });
    return bids.length;
  });
}
