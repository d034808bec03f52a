/**
 * Demo data of the loan lifecycle: loans in every state with their histories, made by the real commands
 * (application, automatic review, approval, listing, bids, full review, disbursement, repayment, daily
 * settlement, write-off), so every lending page has data after `deno task start` and the books stay whole.
 * Call it from db/seed.ts after the demo users have identities, cards, money and risk assessments.
 *
 * The two demo borrowers (`DEMO_USERS` 4 and 5) and the two assessed demo investors (1 and 2; investor 3 has
 * no risk assessment yet and does not bid):
 * - borrower 1: a settled loan (3 months, repaid on each due day), a repaying loan (period 1 repaid), a
 *   full loan waiting for 满标审核, an open loan partly funded (above the four-eyes threshold: approved by
 *   `risk`, confirmed by `admin`), a failed loan (流标, its bid released), and a draft application;
 * - borrower 2: an overdue loan (period 1 unpaid 9 days, penalty accruing), an accelerated loan (加速到期),
 *   a written-off loan (坏账核销: proposed by `risk`, approved by `admin`), and an application in manual
 *   review. Borrower 2 asked to withdraw all the loans' money first (a real withdrawal, above the review
 *   threshold: it waits in the finance queue, the money frozen), so the settlement finds nothing to debit.
 *
 * **Backdating**: applications, approvals and bids happen now; the disbursements of the repaying loans are
 * backdated through `disburseLoan`'s `now` (the interest start day and every due date follow), the
 * repayments through `repayNow`'s `now` (each on its due day), and the daily settlement is run once for
 * yesterday (`settleDay`: it marks the installments overdue, accrues every missed day's penalty and
 * accelerates the loans overdue ≥ 30 days). The failed loan's bidding window is moved into the past
 * (publish time and deadline; nothing else) before the listing job fails it.
 *
 * **Money**: every custody instruction the seed's commands create (freezes, releases, the disbursement and
 * repayment batches) is executed at the sandbox bank in order and its callback applied
 * directly, as `seedTopUp` does — the bank holds what the ledger says, and reconciliation stays clean.
 *
 * **Idempotent**: when borrower 1 already has an application the seed does nothing.
 * @module
 */
import type { Config } from "../../config.ts";
import type { Outbox } from "../../db/outbox.ts";
import type { Db } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { createSession, destroySession } from "../accounts/session.ts";
import { closeBidAuthorisation, openBidAuthorisation } from "../accounts/bid_authorisation.ts";
import { saveLoanTerms, saveProfile, startApplication } from "../borrowing/application.ts";
import { completeDocuments, uploadDocument } from "../borrowing/documents.ts";
import { submitApplication } from "../borrowing/submit.ts";
import type { CustodyCallbackBody } from "../gateways/custody.ts";
import type { Gateways } from "../gateways/mod.ts";
import { listActiveCards } from "../identity/bank_card.ts";
import { userBalances } from "../ledger/ledger.ts";
import type { Fen } from "../money/fen.ts";
import { applyCustodyCallback, submitCustodyInstruction } from "../payments/custody_instruction.ts";
import { requestWithdrawal } from "../payments/withdrawal.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { permissionsFor } from "../staff/permissions.ts";
import { decideWriteOff, proposeWriteOff } from "./collections.ts";
import { disburseLoan, reviewFullLoan, type StaffActor } from "./disbursement.ts";
import { failExpiredLoans, publishDueLoans } from "./listing.ts";
import { placeBid } from "./place_bid.ts";
import { repayNow } from "./repay.ts";
import { addDays } from "./repayment.ts";
import { approveApplication, confirmApproval } from "./review.ts";
import { settleDay } from "./settlement.ts";

/** What the lending seed needs. */
export interface LendingSeedDeps {
  pii: PiiCipher;
  outbox: Outbox;
  gateways: Pick<Gateways, "custody" | "creditBureau" | "blacklist">;
  config: Pick<Config, "dataDir">;
}

/** Phones and staff usernames the seed acts as (db/seed.ts's demo accounts). */
export interface LendingSeedActors {
  investorPhones: readonly [string, string, string];
  borrowerPhones: readonly [string, string];
  tradePassword: string;
  /** Staff usernames: risk reviewer, second reviewer (any role with loans.review and collections.manage), finance. */
  staff: { risk: string; second: string; finance: string };
}

/** What the seed made (null when it did nothing). */
export interface LendingSeedReport {
  loans: Record<string, string>;
  applications: Record<string, string>;
}

/** A few bytes with a JPEG signature (the demo's "scans"). */
function demoJpeg(): Blob {
  const bytes = new Uint8Array(1024);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 4; i < bytes.length; i++) bytes[i] = i % 251;
  return new Blob([bytes]);
}

const PROFILE = {
  education: "bachelor",
  maritalStatus: "married",
  city: "上海市",
  address: "上海市浦东新区世纪大道 100 号",
  employmentType: "employed",
  employer: "上海某科技有限公司",
  jobTitle: "工程师",
  workYears: "6",
  monthlyIncomeYuan: "25000",
  monthlyDebtYuan: "2000",
  contact1Name: "李四",
  contact1Relationship: "spouse",
  contact1Phone: "13800138001",
  contact2Name: "王五",
  contact2Relationship: "colleague",
  contact2Phone: "13900139002",
  enterpriseName: "",
  creditCode: "",
  industry: "",
  annualRevenueYuan: "",
  legalRepName: "",
  legalRepIdNumber: "",
};

const PERSON_DOCUMENTS = ["id_front", "id_back", "bank_card", "income_proof", "employment_proof"];

/** Noon in Shanghai on `day`. */
function noon(day: string): Date {
  return new Date(`${day}T04:00:00Z`);
}

class SeedError extends Error {}

function check<T extends { ok: boolean }>(what: string, r: T): T & { ok: true } {
  if (!r.ok) {
    throw new SeedError(
      `lending seed: ${what} failed: ${JSON.stringify(r, (_k, v) => typeof v === "bigint" ? String(v) : v)}`,
    );
  }
  return r as T & { ok: true };
}

/** Seed the lending demo (see the module doc). Returns null when it was seeded before. */
export async function seedLendingDemo(
  sql: Db,
  deps: LendingSeedDeps,
  actors: LendingSeedActors,
): Promise<LendingSeedReport | null> {
  const idOf = async (phone: string) => {
    const [row] = await sql<{ id: string }[]>`
      select id::text as id from users where phone_hash = ${await deps.pii.hash(phone)}`;
    return row?.id ?? null;
  };
  const investors = await Promise.all(actors.investorPhones.map(idOf));
  const borrowers = await Promise.all(actors.borrowerPhones.map(idOf));
  if ([...investors, ...borrowers].some((id) => id === null)) return null;
  const [b1, b2] = borrowers as string[];
  const [i1, i2] = investors as string[];
  const [seeded] = await sql`select 1 from loan_applications where user_id = ${b1} limit 1`;
  if (seeded) return null;

  const staffOf = async (username: string): Promise<StaffActor> => {
    const [row] = await sql<{ id: string; role: string }[]>`
      select id::text as id, role from staff where username = ${username}`;
    if (!row) throw new SeedError(`lending seed: staff ${username} missing`);
    return { staff: { id: row.id, permissions: permissionsFor(row.role) }, ip: null };
  };
  const risk = await staffOf(actors.staff.risk);
  const second = await staffOf(actors.staff.second);
  const finance = await staffOf(actors.staff.finance);
  const outbox = { outbox: deps.outbox };
  const [{ firstInstruction }] = await sql<{ firstInstruction: string }[]>`
    select coalesce(max(id), 0)::text as "firstInstruction" from custody_instructions`;

  const today = formatShanghaiDate(new Date());
  const report: LendingSeedReport = { loans: {}, applications: {} };

  /** A draft through the documents step. */
  const draft = async (userId: string, amountYuan: string, termCount: string, purpose: string) => {
    const [product] = await sql<{ id: string }[]>`
      select id::text as id from loan_products where code = 'personal_credit'`;
    const started = check(
      "start application",
      await startApplication(sql, { userId, productId: product.id }),
    );
    const applicationId = started.applicationId;
    check(
      "loan terms",
      await saveLoanTerms(sql, {
        userId,
        applicationId,
        amountYuan,
        termCount,
        method: "equal_installment",
        purpose,
      }),
    );
    check("profile", await saveProfile(sql, { pii: deps.pii }, { userId, applicationId, ...PROFILE }));
    for (const kind of PERSON_DOCUMENTS) {
      check(
        `document ${kind}`,
        await uploadDocument(sql, { dataDir: deps.config.dataDir }, {
          userId,
          applicationId,
          kind,
          file: demoJpeg(),
        }),
      );
    }
    check("documents", await completeDocuments(sql, { userId, applicationId }));
    return applicationId;
  };
  const submit = async (userId: string, applicationId: string) => {
    const r = check(
      "submit",
      await submitApplication(sql, { gateways: deps.gateways, pii: deps.pii, outbox: deps.outbox }, {
        userId,
        applicationId,
        tradePassword: actors.tradePassword,
        authorise: true,
        ip: null,
        deviceId: null,
      }),
    );
    if (r.status !== "manual_review") {
      throw new SeedError(`lending seed: application ${applicationId} auto-rejected`);
    }
  };
  /** Apply, pass review, approve (grade B, 9%) and publish; returns the loan id. */
  const listed = async (
    name: string,
    userId: string,
    amountYuan: string,
    termCount: string,
    title: string,
  ) => {
    const applicationId = await draft(userId, amountYuan, termCount, title);
    await submit(userId, applicationId);
    const approved = check(
      "approve",
      await approveApplication(sql, outbox, risk, {
        applicationId,
        grade: "B",
        annualRateMicros: 90_000,
        title,
        publishAt: new Date(),
        repaymentSource: "工资收入",
      }),
    );
    let loanId: string;
    if (approved.outcome === "pending_second") {
      // above the four-eyes threshold: a second reviewer confirms
      const confirmed = check(
        "confirm approval",
        await confirmApproval(sql, outbox, second, { applicationId }),
      );
      if (confirmed.outcome !== "approved") throw new SeedError("lending seed: approval not confirmed");
      loanId = confirmed.loanId;
    } else loanId = approved.loanId;
    await publishDueLoans(sql, new Date());
    report.loans[name] = loanId;
    report.applications[name] = applicationId;
    return loanId;
  };

  // investors bid under an open bid authorisation (one trade-password check each), closed afterwards
  const sessions = new Map<string, string>();
  for (const investorId of [i1, i2]) {
    const { sessionId } = await createSession(sql, {
      subjectType: "user",
      subjectId: investorId,
      ip: null,
      userAgent: "demo-seed",
    });
    check(
      "bid authorisation",
      await openBidAuthorisation(sql, {
        userId: investorId,
        sessionId,
        tradePassword: actors.tradePassword,
        capFen: 100_000_000n,
        minutes: 30,
        ip: null,
      }),
    );
    sessions.set(investorId, sessionId);
  }
  const bid = async (loanId: string, investorId: string, amountFen: Fen, n: number) => {
    check(
      "bid",
      await placeBid(sql, outbox, {
        investorId,
        loanId,
        amountFen,
        idempotencyKey: `demo-bid-${loanId}-${n}`,
        sessionId: sessions.get(investorId)!,
      }),
    );
  };
  const disburse = async (loanId: string, day: string) => {
    check("full review", await reviewFullLoan(sql, risk, { loanId, note: "资料齐全，同意放款" }));
    check("disburse", await disburseLoan(sql, outbox, finance, { loanId, now: noon(day) }));
  };
  const dueDates = async (loanId: string) => (await sql<{ period: number; dueDate: string }[]>`
      select period, to_char(due_date, 'YYYY-MM-DD') as "dueDate" from loan_installments
      where loan_id = ${loanId} order by period`);
  const repayOnDueDay = async (loanId: string, borrowerId: string, periods: number) => {
    for (const row of (await dueDates(loanId)).slice(0, periods)) {
      check(
        "repay",
        await repayNow(sql, outbox, {
          borrowerId,
          loanId,
          idempotencyKey: `demo-repay-${loanId}-${row.period}`,
        }, noon(row.dueDate)),
      );
    }
  };

  // borrower 1 -------------------------------------------------------------------------------------
  const settled = await listed("settled", b1, "12000", "3", "个人消费周转（已结清）");
  await bid(settled, i1, 600_000n, 1);
  await bid(settled, i2, 600_000n, 2);
  await disburse(settled, addDays(today, -100));
  await repayOnDueDay(settled, b1, 3);

  const repaying = await listed("repaying", b1, "30000", "6", "家庭装修借款（还款中）");
  await bid(repaying, i1, 1_000_000n, 1);
  await bid(repaying, i2, 1_000_000n, 2);
  await bid(repaying, i1, 1_000_000n, 3);
  await disburse(repaying, addDays(today, -40));
  await repayOnDueDay(repaying, b1, 1);

  const full = await listed("full", b1, "20000", "6", "教育培训借款（满标待审）");
  await bid(full, i1, 1_000_000n, 1);
  await bid(full, i2, 1_000_000n, 2);

  const open = await listed("open", b1, "120000", "12", "经营周转借款（募集中）");
  await bid(open, i2, 3_000_000n, 1);
  await bid(open, i1, 1_500_000n, 2);

  const failed = await listed("failed", b1, "10000", "3", "旅游消费借款（流标）");
  await bid(failed, i1, 300_000n, 1);
  // its bidding window is over (moved into the past), and the listing job fails it
  await sql`update loans set publish_at = now() - interval '8 days', bid_deadline = now() - interval '1 day'
            where id = ${failed}`;
  await failExpiredLoans(sql, outbox, new Date());

  report.applications.draft = await draft(b1, "8000", "6", "购买家电");

  // borrower 2 -------------------------------------------------------------------------------------
  const overdue = await listed("overdue", b2, "30000", "6", "车辆维修借款（逾期）");
  await bid(overdue, i1, 1_000_000n, 1);
  await bid(overdue, i2, 2_000_000n, 2);
  await disburse(overdue, addDays(today, -40));

  const accelerated = await listed("accelerated", b2, "15000", "6", "店面装修借款（加速到期）");
  await bid(accelerated, i2, 800_000n, 1);
  await bid(accelerated, i1, 700_000n, 2);
  await disburse(accelerated, addDays(today, -75));

  const writtenOff = await listed("written_off", b2, "10000", "3", "个人周转借款（已核销）");
  await bid(writtenOff, i1, 500_000n, 1);
  await bid(writtenOff, i2, 500_000n, 2);
  await disburse(writtenOff, addDays(today, -120));

  for (const [investorId, sessionId] of sessions) {
    await closeBidAuthorisation(sql, { userId: investorId, sessionId });
    await destroySession(sql, sessionId);
  }

  // borrower 2 asks to withdraw everything (a real withdrawal to the bound card; above the review
  // threshold it waits for finance, the money frozen)
  const [card] = await listActiveCards(sql, b2);
  const { availableFen } = await userBalances(sql, b2);
  if (card && availableFen > 0n) {
    check(
      "withdrawal",
      await requestWithdrawal(sql, {
        userId: b2,
        cardId: String(card.id),
        amountYuan: `${availableFen / 100n}.${String(availableFen % 100n).padStart(2, "0")}`,
        idempotencyKey: "demo-withdrawal-borrower-2",
        tradePasswordVerified: true,
        ip: null,
      }, outbox),
    );
  }

  // the bank executes what the commands instructed, in order
  await deliverInstructions(sql, deps, firstInstruction, [...investors, ...borrowers] as string[]);

  // the daily settlement of yesterday: overdue, penalties, acceleration
  check("settlement", await settleDay(sql, outbox, { day: addDays(today, -1) }));

  const proposal = check(
    "write-off proposal",
    await proposeWriteOff(sql, risk, { loanId: writtenOff, reason: "借款人失联，逾期超过 90 天，催收无果" }),
  );
  check(
    "write-off",
    await decideWriteOff(sql, second, outbox, { proposalId: proposal.proposalId!, approve: true }),
  );

  report.applications.manual_review = await draft(b2, "25000", "12", "子女教育费用");
  await submit(b2, report.applications.manual_review);

  await deliverInstructions(sql, deps, firstInstruction, [...investors, ...borrowers] as string[]);
  return report;
}

/**
 * Submit to the sandbox bank every pending instruction after `afterId` that touches `userIds`, in id order,
 * and apply the bank's callbacks directly (no HTTP), as `seedTopUp` does.
 */
async function deliverInstructions(
  sql: Db,
  deps: Pick<LendingSeedDeps, "gateways" | "outbox">,
  afterId: string,
  userIds: string[],
): Promise<void> {
  const pending = await sql<{ id: string }[]>`
    select i.id::text as id from custody_instructions i
    where i.id > ${afterId}::bigint and i.status = 'pending'
      and (i.user_id = any(${userIds}::bigint[]) or exists (
        select 1 from custody_instruction_lines l where l.instruction_id = i.id
          and (l.from_user_id = any(${userIds}::bigint[]) or l.to_user_id = any(${userIds}::bigint[]))))
    order by i.id`;
  for (const { id } of pending) {
    const submitted = await submitCustodyInstruction(sql, {
      custody: deps.gateways.custody,
      outbox: deps.outbox,
    }, id);
    if (!submitted.ok) throw new SeedError(`lending seed: instruction ${id}: ${submitted.error}`);
    const queued = await sql<{ id: string; body: string }[]>`
      select id::text as id, body from sandbox_callbacks
      where target = 'custody' and delivered_at is null and body::jsonb ->> 'instructionId' = ${id} order by id`;
    for (const q of queued) {
      await applyCustodyCallback(sql, JSON.parse(q.body) as CustodyCallbackBody, { outbox: deps.outbox });
      await sql`update sandbox_callbacks set delivered_at = now(), last_status = 200 where id = ${q.id}`;
    }
  }
}
