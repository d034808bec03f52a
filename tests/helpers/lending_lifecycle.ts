/**
 * Lifecycle fixtures: a loan fully funded by real bids ({@link fundedLoan}) and a loan disbursed by the real
 * full review and disbursement commands ({@link disbursedLoan}), for the tests of later stages (repayment,
 * settlement, collections, investor views).
 *
 * Users get an open custody sub-account on our side and at the sandbox bank. An investor's bid is what
 * `placeBid` leaves behind: the bid row (status frozen), the `bid_freeze` ledger entry (after a top-up of the
 * same amount) and the money frozen at the sandbox bank — so the ledger and the bank agree and the
 * reconciliation is clean.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { disburseLoan, reviewFullLoan, type StaffActor } from "../../domain/lending/disbursement.ts";
import { permissionsFor } from "../../domain/staff/permissions.ts";
import { createUser } from "./forms.ts";
import { insertLoan, type InsertLoanOptions } from "./lending.ts";
import { testOutbox } from "./outbox.ts";

/** What {@link fundedLoan} accepts (besides {@link InsertLoanOptions}, whose status is ignored). */
export interface FundedLoanOptions extends Omit<InsertLoanOptions, "status" | "fundedFen"> {
  /** Number of bids (default 3), split as evenly as the bid unit allows; or give `splits`. */
  bids?: number;
  /** The bids' amounts (they must sum to the loan amount). */
  splits?: Fen[];
  /** Reuse these investors round-robin instead of creating one per bid. */
  investorIds?: string[];
  /** Extra available money each new investor gets besides the bid (default 0). */
  spareFen?: Fen;
}

/** A funded loan. */
export interface FundedLoan {
  loanId: string;
  borrowerId: string;
  amountFen: Fen;
  investorIds: string[];
  bids: { bidId: string; investorId: string; amountFen: Fen }[];
}

/** Give `userId` an open custody sub-account on both sides (idempotent). */
export async function openCustody(sql: Db, userId: string): Promise<string> {
  const accountNo = `L${userId.padStart(12, "0")}`;
  await sql`insert into custody_accounts (user_id, account_no, status, opened_at)
            values (${userId}, ${accountNo}, 'open', now()) on conflict do nothing`;
  await sql`insert into sandbox_bank_accounts (account_no, user_id) values (${accountNo}, ${userId})
            on conflict do nothing`;
  const [row] = await sql<{ accountNo: string }[]>`
    select account_no as "accountNo" from custody_accounts where user_id = ${userId}`;
  return row.accountNo;
}

/** Credit `amountFen` to a user's available balance, in the ledger and at the sandbox bank (a top-up). */
export async function fundUser(sql: Db, userId: string, amountFen: Fen): Promise<void> {
  if (amountFen <= 0n) return;
  const accountNo = await openCustody(sql, userId);
  await transaction(sql, async (tx) => {
    const r = await postEntry(tx, {
      businessType: "top_up",
      reference: `test_top_up:${userId}`,
      idempotencyKey: `test_top_up:${userId}:${crypto.randomUUID()}`,
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -amountFen },
        { account: { kind: "user_available", userId }, amountFen },
      ],
    });
    if (!r.ok) throw new Error("test top-up failed");
    await tx`update sandbox_bank_accounts set balance_fen = balance_fen + ${amountFen} where account_no = ${accountNo}`;
  });
}

function evenSplits(amount: Fen, count: number, unit: Fen): Fen[] {
  const units = amount / unit;
  if (amount % unit !== 0n || units < BigInt(count)) throw new Error("loan amount cannot be split into bids");
  const base = units / BigInt(count);
  const extra = Number(units % BigInt(count));
  return Array.from({ length: count }, (_, i) => (base + (i < extra ? 1n : 0n)) * unit);
}

/**
 * An open loan (inserted with {@link insertLoan}) fully funded by bids: status `full`, funded = amount.
 * Each bid freezes its investor's money in the ledger (`bid_freeze:<bidId>`) and at the sandbox bank.
 */
export async function fundedLoan(sql: Db, options: FundedLoanOptions = {}): Promise<FundedLoan> {
  const amountFen = options.amountFen ?? 1_000_000n;
  const unit = options.bidUnitFen ?? 10_000n;
  const splits = options.splits ?? evenSplits(amountFen, options.bids ?? 3, unit);
  if (splits.reduce((s, x) => s + x, 0n) !== amountFen) throw new Error("splits must sum to the amount");
  const { loanId, borrowerId } = await insertLoan(sql, { ...options, amountFen, status: "open" });
  await openCustody(sql, borrowerId);
  const investorIds: string[] = [];
  const bids: FundedLoan["bids"] = [];
  for (const [i, bidFen] of splits.entries()) {
    let investorId: string;
    if (options.investorIds && options.investorIds.length > 0) {
      investorId = options.investorIds[i % options.investorIds.length];
      await openCustody(sql, investorId);
    } else {
      investorId = (await createUser(sql)).userId;
      await fundUser(sql, investorId, options.spareFen ?? 0n);
    }
    if (!investorIds.includes(investorId)) investorIds.push(investorId);
    await fundUser(sql, investorId, bidFen);
    const bidId = await transaction(sql, async (tx) => {
      const [bid] = await tx<{ id: string }[]>`
        insert into bids (loan_id, investor_id, amount_fen, idempotency_key)
        values (${loanId}, ${investorId}, ${bidFen}, ${"test-bid-" + crypto.randomUUID()})
        returning id::text as id`;
      const frozen = await postEntry(tx, {
        businessType: "bid_freeze",
        reference: `bid:${bid.id}`,
        idempotencyKey: `bid_freeze:${bid.id}`,
        lines: [
          { account: { kind: "user_available", userId: investorId }, amountFen: -bidFen },
          { account: { kind: "user_frozen", userId: investorId }, amountFen: bidFen },
        ],
      });
      if (!frozen.ok) throw new Error("test bid freeze failed");
      await tx`update bids set freeze_entry_id = ${frozen.entryId} where id = ${bid.id}`;
      await tx`update sandbox_bank_accounts set frozen_fen = frozen_fen + ${bidFen} where user_id = ${investorId}`;
      await tx`update loans set funded_fen = funded_fen + ${bidFen}, bid_count = bid_count + 1,
                 version = version + 1 where id = ${loanId}`;
      return bid.id;
    });
    bids.push({ bidId, investorId, amountFen: bidFen });
  }
  await sql`update loans set status = 'full', full_at = now(), version = version + 1 where id = ${loanId}`;
  return { loanId, borrowerId, amountFen, investorIds, bids };
}

/** A staff member of `role` as an actor (a new row each call). */
export async function lendingStaff(sql: Db, role: string): Promise<StaffActor> {
  const username = `ln${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"员工" + username.slice(2, 6)}, ${role}, 'x') returning id::text as id`;
  return { staff: { id: row.id, permissions: permissionsFor(role) }, ip: "10.1.2.3" };
}

/** A disbursed loan. */
export interface DisbursedLoan extends FundedLoan {
  instructionId: string;
  serviceFeeFen: Fen;
  claims: { claimId: string; bidId: string; investorId: string; principalFen: Fen }[];
  reviewer: StaffActor;
  disburser: StaffActor;
}

/**
 * A loan in `repaying`: {@link fundedLoan}, then the real {@link reviewFullLoan} (risk staff) and
 * {@link disburseLoan} (finance staff). `now` sets the disbursement time (interest start day).
 */
export async function disbursedLoan(
  sql: Db,
  options: FundedLoanOptions & { now?: Date } = {},
): Promise<DisbursedLoan> {
  const funded = await fundedLoan(sql, options);
  const reviewer = await lendingStaff(sql, "risk");
  const disburser = await lendingStaff(sql, "finance");
  const reviewed = await reviewFullLoan(sql, reviewer, { loanId: funded.loanId });
  if (!reviewed.ok) throw new Error(`full review failed: ${reviewed.code}`);
  const done = await disburseLoan(sql, { outbox: testOutbox }, disburser, {
    loanId: funded.loanId,
    now: options.now,
  });
  if (!done.ok) throw new Error(`disbursement failed: ${done.code}`);
  const claims = (await sql<{ claimId: string; bidId: string; investorId: string; principalFen: bigint }[]>`
    select id::text as "claimId", bid_id::text as "bidId", investor_id::text as "investorId",
           principal_fen as "principalFen"
    from claims where loan_id = ${funded.loanId} order by bid_id`)
    .map((c) => ({ ...c, principalFen: BigInt(c.principalFen) }));
  return {
    ...funded,
    instructionId: done.instructionId,
    serviceFeeFen: done.serviceFeeFen,
    claims,
    reviewer,
    disburser,
  };
}
