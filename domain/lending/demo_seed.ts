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
 * **Backdating**: the loans that are repaying, overdue, accelerated, written off or settled, and the failed
 * one, are submitted days ago (`submitApplication`'s `now`), and every later step follows at fixed offsets
 * from the stored submission time through each command's own clock: approval (`approveApplication` /
 * `confirmApproval`'s `now`) and listing an hour or two later, bids a day later (`placeBid`'s `now`: bid
 * times, contract dates and the loan's `full_at`), 满标审核 two days later (`reviewFullLoan`'s `now`),
 * disbursement at noon three days later (`disburseLoan`'s `now`: interest start day and due dates follow),
 * repayments on their due days (`repayNow`'s `now`). The failed loan's bidding window closed two days ago;
 * the listing job fails it at its deadline. The daily settlement then runs for yesterday (`settleDay`: it
 * marks the installments overdue, accrues every missed day's penalty and accelerates the loans overdue
 * ≥ 30 days). What stays at the real time: the drafts' creation, ledger postings, custody instructions,
 * the audit log (it records when staff actions were written) and the 满标 event written by the bid
 * trigger at commit.
 *
 * **Money**: every custody instruction the seed's commands create (freezes, releases, the disbursement and
 * repayment batches) is executed at the sandbox bank in order and its callback applied
 * directly, as `seedTopUp` does — the bank holds what the ledger says, and reconciliation stays clean.
 *
 * **Idempotent, step by step**: each demo loan is found by its marker — the application's purpose, unique
 * among the demo borrower's applications — and taken from wherever it stands to where the demo wants it
 * (draft steps and missing documents, submission, approval or the second reviewer's confirmation, listing,
 * each missing bid by its idempotency key, full review, disbursement, unpaid repayments, the failure); a
 * seed stopped anywhere (a crash, `kill -9`) is completed by the next run, and a run over a complete demo
 * changes nothing (`steps` 0). The withdrawal is keyed too, the settlement runs only while a demo loan
 * still waits for it, the write-off only once. A draft left before its purpose was saved is adopted; any
 * other open application of a demo borrower stops the seed with a message (one open application per
 * borrower).
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
  /**
   * Called before each step that changes something (`settled:bid:2`, `written_off:disburse`, `settlement`…),
   * e.g. to show progress. A throw stops the seed there, as a crash would; the next run completes the rest.
   */
  onStep?: (step: string) => void | Promise<void>;
}

/** Phones and staff usernames the seed acts as (db/seed.ts's demo accounts). */
export interface LendingSeedActors {
  investorPhones: readonly [string, string, string];
  borrowerPhones: readonly [string, string];
  tradePassword: string;
  /** Staff usernames: risk reviewer, second reviewer (any role with loans.review and collections.manage), finance. */
  staff: { risk: string; second: string; finance: string };
}

/** What the seed found or made (null when the demo users are missing). */
export interface LendingSeedReport {
  /** Demo loan key → loan id. */
  loans: Record<string, string>;
  /** Demo key → application id. */
  applications: Record<string, string>;
  /** Steps this run carried out (0 when everything was there already). */
  steps: number;
  /** What could not be done yet, and why (done by a later run). */
  waiting: string[];
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

/** One demo application and how far the seed takes it. */
interface DemoLoan {
  key: string;
  /** 0: borrower 1, 1: borrower 2. */
  borrower: 0 | 1;
  amountYuan: string;
  termCount: string;
  /**
   * The application's purpose and the loan's title: the stable marker the seed finds them by (unique among
   * a demo borrower's applications), so each demo loan is made once and a rerun completes it.
   */
  title: string;
  /** `draft`: left after the documents step; `manual_review`: submitted; `loan`: approved and listed. */
  until: "draft" | "manual_review" | "loan";
  /** The bids, in order: investor (0 or 1) and amount. */
  bids?: readonly (readonly [0 | 1, Fen])[];
  /**
   * Submitted this many days ago at noon (Asia/Shanghai); approval, listing, bids, full review and
   * disbursement follow at fixed offsets from the stored submission time (see {@link backdated}).
   */
  submittedDaysAgo?: number;
  disburse?: boolean;
  /** Periods repaid, each on its due day. */
  repayPeriods?: number;
  /** Listed in the past with too few bids: the listing job fails it (流标) at its deadline. */
  fail?: boolean;
}

/** The demo applications in the order they are made (one open application per borrower at a time). */
const DEMO_LOANS: readonly DemoLoan[] = [
  {
    key: "settled",
    borrower: 0,
    amountYuan: "12000",
    termCount: "3",
    title: "个人消费周转（已结清）",
    until: "loan",
    bids: [[0, 600_000n], [1, 600_000n]],
    submittedDaysAgo: 103,
    disburse: true,
    repayPeriods: 3,
  },
  {
    key: "repaying",
    borrower: 0,
    amountYuan: "30000",
    termCount: "6",
    title: "家庭装修借款（还款中）",
    until: "loan",
    bids: [[0, 1_000_000n], [1, 1_000_000n], [0, 1_000_000n]],
    submittedDaysAgo: 43,
    disburse: true,
    repayPeriods: 1,
  },
  {
    key: "full",
    borrower: 0,
    amountYuan: "20000",
    termCount: "6",
    title: "教育培训借款（满标待审）",
    until: "loan",
    bids: [[0, 1_000_000n], [1, 1_000_000n]],
  },
  {
    key: "open",
    borrower: 0,
    amountYuan: "120000",
    termCount: "12",
    title: "经营周转借款（募集中）",
    until: "loan",
    bids: [[1, 3_000_000n], [0, 1_500_000n]],
  },
  {
    key: "failed",
    borrower: 0,
    amountYuan: "10000",
    termCount: "3",
    title: "旅游消费借款（流标）",
    until: "loan",
    bids: [[0, 300_000n]],
    fail: true,
  },
  { key: "draft", borrower: 0, amountYuan: "8000", termCount: "6", title: "购买家电", until: "draft" },
  {
    key: "overdue",
    borrower: 1,
    amountYuan: "30000",
    termCount: "6",
    title: "车辆维修借款（逾期）",
    until: "loan",
    bids: [[0, 1_000_000n], [1, 2_000_000n]],
    submittedDaysAgo: 43,
    disburse: true,
  },
  {
    key: "accelerated",
    borrower: 1,
    amountYuan: "15000",
    termCount: "6",
    title: "店面装修借款（加速到期）",
    until: "loan",
    bids: [[1, 800_000n], [0, 700_000n]],
    submittedDaysAgo: 78,
    disburse: true,
  },
  {
    key: "written_off",
    borrower: 1,
    amountYuan: "10000",
    termCount: "3",
    title: "个人周转借款（已核销）",
    until: "loan",
    bids: [[0, 500_000n], [1, 500_000n]],
    submittedDaysAgo: 123,
    disburse: true,
  },
  // made after the settlement (it would be in the way of nothing, but the queue shows it as the newest)
  {
    key: "manual_review",
    borrower: 1,
    amountYuan: "25000",
    termCount: "12",
    title: "子女教育费用",
    until: "manual_review",
  },
];

/** The demo loans the daily settlement makes overdue (the write-off is the last). */
const SETTLED_BY_SETTLEMENT = ["overdue", "accelerated", "written_off"];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The times of a backdated demo loan, from its submission: approval an hour later, listing two hours
 * later, bid `n` a day after listing (+ `n` minutes), 满标审核 two days after listing, disbursement at noon
 * three days after listing.
 */
function backdated(submittedAt: Date) {
  const publishAt = new Date(submittedAt.getTime() + 2 * HOUR_MS);
  return {
    approveAt: new Date(submittedAt.getTime() + HOUR_MS),
    publishAt,
    bidAt: (n: number) => new Date(publishAt.getTime() + DAY_MS + n * 60_000),
    fullReviewAt: new Date(publishAt.getTime() + 2 * DAY_MS),
    disburseAt: noon(formatShanghaiDate(new Date(publishAt.getTime() + 3 * DAY_MS))),
  };
}

/** A demo application as it stands (the latest with the demo's purpose), with its loan. */
interface DemoState {
  id: string;
  status: string;
  step: number;
  purpose: string | null;
  submittedAt: Date | null;
  pendingApproval: boolean;
  loanId: string | null;
  loanStatus: string | null;
  publishAt: Date | null;
}

/**
 * Seed the lending demo (see the module doc): makes what is missing of each demo loan, in order, and
 * leaves what is there. Returns null when the demo users are missing.
 */
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
  const borrowerIds = borrowers as string[];
  const investorIds = investors as string[];
  const demoUsers = [...investorIds, ...borrowerIds];

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
  const [product] = await sql<{ id: string; biddingDays: number }[]>`
    select id::text as id, bidding_days as "biddingDays" from loan_products where code = 'personal_credit'`;
  if (!product) throw new SeedError("lending seed: product personal_credit missing");

  const today = formatShanghaiDate(new Date());
  const report: LendingSeedReport = { loans: {}, applications: {}, steps: 0, waiting: [] };
  const step = async (name: string) => {
    await deps.onStep?.(name);
    report.steps++;
  };

  const stateOf = async (userId: string, purpose: string): Promise<DemoState | null> => {
    const [row] = await sql<DemoState[]>`
      select a.id::text as id, a.status, a.step, a.purpose, a.submitted_at as "submittedAt",
        exists (select 1 from loan_approvals x where x.application_id = a.id and x.status = 'pending')
          as "pendingApproval",
        l.id::text as "loanId", l.status as "loanStatus", l.publish_at as "publishAt"
      from loan_applications a left join loans l on l.application_id = a.id
      where a.user_id = ${userId} and a.purpose = ${purpose} and a.status <> 'cancelled'
      order by a.id desc limit 1`;
    return row ?? null;
  };

  /** The demo application, started (or adopted: a crash left it before its purpose was saved) if none. */
  const application = async (spec: DemoLoan, userId: string): Promise<DemoState> => {
    const found = await stateOf(userId, spec.title);
    if (found) return found;
    const [open] = await sql<{ id: string; status: string; purpose: string | null }[]>`
      select id::text as id, status, purpose from loan_applications
      where user_id = ${userId} and status in ('draft', 'submitted', 'manual_review', 'more_info')`;
    if (open && !(open.status === "draft" && open.purpose === null)) {
      throw new SeedError(
        `lending seed: borrower ${userId} has application ${open.id} open (${open.status}); the demo loan ` +
          `${spec.key} needs it decided or cancelled first`,
      );
    }
    let id = open?.id;
    if (!id) {
      await step(`${spec.key}:start`);
      id = check("start application", await startApplication(sql, { userId, productId: product.id }))
        .applicationId;
    }
    await step(`${spec.key}:terms`);
    check(
      "loan terms",
      await saveLoanTerms(sql, {
        userId,
        applicationId: id,
        amountYuan: spec.amountYuan,
        termCount: spec.termCount,
        method: "equal_installment",
        purpose: spec.title,
      }),
    );
    return (await stateOf(userId, spec.title))!;
  };

  /** The draft's remaining steps: profile, the missing documents, documents done. */
  const completeDraft = async (spec: DemoLoan, userId: string, app: DemoState) => {
    const applicationId = app.id;
    if (app.step < 3) {
      await step(`${spec.key}:profile`);
      check("profile", await saveProfile(sql, { pii: deps.pii }, { userId, applicationId, ...PROFILE }));
    }
    const present = new Set(
      (await sql<{ kind: string }[]>`
        select kind from application_documents where application_id = ${applicationId} and removed_at is null`)
        .map((r) => r.kind),
    );
    for (const kind of PERSON_DOCUMENTS.filter((k) => !present.has(k))) {
      await step(`${spec.key}:document:${kind}`);
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
    if (app.step < 4) {
      await step(`${spec.key}:documents`);
      check("documents", await completeDocuments(sql, { userId, applicationId }));
    }
  };

  // investors bid under an open bid authorisation (one trade-password check each), opened when a bid is
  // needed and closed at the end
  const sessions = new Map<string, string>();
  const sessionOf = async (investorId: string) => {
    const open = sessions.get(investorId);
    if (open) return open;
    const { sessionId } = await createSession(sql, {
      subjectType: "user",
      subjectId: investorId,
      ip: null,
      userAgent: "demo-seed",
    });
    sessions.set(investorId, sessionId);
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
    return sessionId;
  };

  /** Take one demo loan as far as its spec says, from wherever it stands. */
  const ensure = async (spec: DemoLoan) => {
    const userId = borrowerIds[spec.borrower];
    let app = await application(spec, userId);
    report.applications[spec.key] = app.id;
    const daysAgo = spec.fail ? product.biddingDays + 2 : spec.submittedDaysAgo;
    if (app.status === "draft") {
      await completeDraft(spec, userId, app);
      if (spec.until === "draft") return;
      await step(`${spec.key}:submit`);
      const r = check(
        "submit",
        await submitApplication(sql, {
          gateways: deps.gateways,
          pii: deps.pii,
          outbox: deps.outbox,
          now: daysAgo === undefined ? undefined : noon(addDays(today, -daysAgo)),
        }, {
          userId,
          applicationId: app.id,
          tradePassword: actors.tradePassword,
          authorise: true,
          ip: null,
          deviceId: null,
        }),
      );
      if (r.status !== "manual_review") {
        throw new SeedError(`lending seed: application ${app.id} (${spec.key}) auto-rejected`);
      }
      app = (await stateOf(userId, spec.title))!;
    }
    if (spec.until === "draft" || spec.until === "manual_review") return;
    const times = daysAgo === undefined ? null : backdated(app.submittedAt!);
    if (app.status === "manual_review") {
      if (!app.pendingApproval) {
        await step(`${spec.key}:approve`);
        check(
          "approve",
          await approveApplication(sql, outbox, risk, {
            applicationId: app.id,
            grade: "B",
            annualRateMicros: 90_000,
            title: spec.title,
            publishAt: times?.publishAt ?? new Date(),
            repaymentSource: "工资收入",
          }, times?.approveAt),
        );
        app = (await stateOf(userId, spec.title))!;
      }
      // above the four-eyes threshold: a second reviewer confirms
      if (app.pendingApproval) {
        await step(`${spec.key}:confirm`);
        check(
          "confirm approval",
          await confirmApproval(sql, outbox, second, { applicationId: app.id }, times?.approveAt),
        );
        app = (await stateOf(userId, spec.title))!;
      }
    }
    if (app.status !== "approved" || app.loanId === null) {
      throw new SeedError(`lending seed: application ${app.id} (${spec.key}) is ${app.status}, not approved`);
    }
    const loanId = app.loanId;
    report.loans[spec.key] = loanId;
    if (app.loanStatus === "scheduled") {
      await step(`${spec.key}:publish`);
      await publishDueLoans(sql, app.publishAt!);
    }
    const placed = new Set(
      (await sql<{ key: string }[]>`select idempotency_key as key from bids where loan_id = ${loanId}`)
        .map((r) => r.key),
    );
    for (const [i, [investor, amountFen]] of (spec.bids ?? []).entries()) {
      const n = i + 1;
      const idempotencyKey = `demo-bid-${loanId}-${n}`;
      if (placed.has(idempotencyKey)) continue;
      await step(`${spec.key}:bid:${n}`);
      check(
        "bid",
        await placeBid(sql, { ...outbox, now: times?.bidAt(n) }, {
          investorId: investorIds[investor],
          loanId,
          amountFen,
          idempotencyKey,
          sessionId: await sessionOf(investorIds[investor]),
        }),
      );
    }
    if (spec.fail) {
      const [loan] = await sql<{ status: string; bidDeadline: Date }[]>`
        select status, bid_deadline as "bidDeadline" from loans where id = ${loanId}`;
      if (loan.status === "open") {
        if (loan.bidDeadline.getTime() > Date.now()) {
          report.waiting.push(`${spec.key}: 投标截止 ${loan.bidDeadline.toISOString()} 后由流标任务处理`);
        } else {
          await step(`${spec.key}:fail`);
          await failExpiredLoans(sql, outbox, loan.bidDeadline);
        }
      }
    }
    if (spec.disburse) {
      const [loan] = await sql<{ status: string }[]>`select status from loans where id = ${loanId}`;
      if (loan.status === "full") {
        await step(`${spec.key}:full_review`);
        check(
          "full review",
          await reviewFullLoan(sql, risk, { loanId, note: "资料齐全，同意放款", now: times?.fullReviewAt }),
        );
      }
      if (loan.status === "full" || loan.status === "full_reviewed") {
        await step(`${spec.key}:disburse`);
        check("disburse", await disburseLoan(sql, outbox, finance, { loanId, now: times?.disburseAt }));
      }
    }
    if (spec.repayPeriods) {
      const due = await sql<{ period: number; dueDate: string; status: string }[]>`
        select period, to_char(due_date, 'YYYY-MM-DD') as "dueDate", status from loan_installments
        where loan_id = ${loanId} and period <= ${spec.repayPeriods} order by period`;
      for (const row of due.filter((r) => r.status !== "paid")) {
        await step(`${spec.key}:repay:${row.period}`);
        check(
          "repay",
          await repayNow(sql, outbox, {
            borrowerId: userId,
            loanId,
            idempotencyKey: `demo-repay-${loanId}-${row.period}`,
          }, noon(row.dueDate)),
        );
      }
    }
  };

  const deliver = () => deliverInstructions(sql, deps, demoUsers, () => step("deliver"));

  const beforeSettlement = DEMO_LOANS.slice(0, DEMO_LOANS.findIndex((l) => l.key === "manual_review"));
  for (const spec of beforeSettlement) await ensure(spec);

  for (const [investorId, sessionId] of sessions) {
    await closeBidAuthorisation(sql, { userId: investorId, sessionId });
    await destroySession(sql, sessionId);
  }

  // borrower 2 asks to withdraw everything (a real withdrawal to the bound card; above the review
  // threshold it waits for finance, the money frozen) — once, after its loans were disbursed
  const b2 = borrowerIds[1];
  const [withdrawn] = await sql`
    select 1 from withdrawals where user_id = ${b2} and idempotency_key = 'demo-withdrawal-borrower-2'`;
  if (!withdrawn) {
    const [card] = await listActiveCards(sql, b2);
    const { availableFen } = await userBalances(sql, b2);
    if (card && availableFen > 0n) {
      await step("withdrawal");
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
  }

  // the bank executes what the commands instructed, in order
  await deliver();

  // the daily settlement of yesterday (overdue, penalties, acceleration) — while a demo loan still waits
  // for it; when yesterday was settled before these loans existed, the next daily run marks them
  const settleIds = SETTLED_BY_SETTLEMENT.map((k) => report.loans[k]).filter((id) => id !== undefined);
  const stillRepaying = async () =>
    (await sql<{ n: bigint }[]>`
      select count(*) as n from loans where id = any(${settleIds}::bigint[]) and status = 'repaying'`)[0].n >
      0n;
  if (await stillRepaying()) {
    await step("settlement");
    check("settlement", await settleDay(sql, outbox, { day: addDays(today, -1) }));
    if (await stillRepaying()) {
      report.waiting.push(
        "overdue/accelerated/written_off: 昨日的日终结算已在这些借款放款前完成，由下一次日终结算处理",
      );
    }
  }

  const writtenOff = report.loans.written_off;
  const [wo] = await sql<{ status: string; proposalId: string | null }[]>`
    select l.status, (select w.id::text from write_off_proposals w where w.loan_id = l.id and w.status = 'pending')
      as "proposalId"
    from loans l where l.id = ${writtenOff}`;
  if (wo.status === "overdue" || wo.status === "accelerated") {
    let proposalId = wo.proposalId;
    if (!proposalId) {
      await step("written_off:propose");
      proposalId = check(
        "write-off proposal",
        await proposeWriteOff(sql, risk, {
          loanId: writtenOff,
          reason: "借款人失联，逾期超过 90 天，催收无果",
        }),
      ).proposalId!;
    }
    await step("written_off:decide");
    check("write-off", await decideWriteOff(sql, second, outbox, { proposalId, approve: true }));
  } else if (wo.status !== "written_off") {
    report.waiting.push(`written_off: 借款状态为 ${wo.status}，逾期后才能核销`);
  }

  for (const spec of DEMO_LOANS.slice(beforeSettlement.length)) await ensure(spec);

  await deliver();
  return report;
}

/**
 * Submit to the sandbox bank every pending instruction that touches `userIds`, in id order, and apply the
 * bank's callbacks directly (no HTTP), as `seedTopUp` does — also the callbacks still queued for an
 * instruction submitted before (a seed stopped between the two). `before` runs once, before the first
 * change. Returns how many instructions it handled.
 */
async function deliverInstructions(
  sql: Db,
  deps: Pick<LendingSeedDeps, "gateways" | "outbox">,
  userIds: string[],
  before: () => Promise<void>,
): Promise<number> {
  const open = await sql<{ id: string; status: string }[]>`
    select i.id::text as id, i.status from custody_instructions i
    where i.status in ('pending', 'submitted')
      and (i.user_id = any(${userIds}::bigint[]) or exists (
        select 1 from custody_instruction_lines l where l.instruction_id = i.id
          and (l.from_user_id = any(${userIds}::bigint[]) or l.to_user_id = any(${userIds}::bigint[]))))
      and (i.status = 'pending' or exists (
        select 1 from sandbox_callbacks c where c.target = 'custody' and c.delivered_at is null
          and c.body::jsonb ->> 'instructionId' = i.id::text))
    order by i.id`;
  if (open.length > 0) await before();
  for (const { id, status } of open) {
    if (status === "pending") {
      const submitted = await submitCustodyInstruction(sql, {
        custody: deps.gateways.custody,
        outbox: deps.outbox,
      }, id);
      if (!submitted.ok) throw new SeedError(`lending seed: instruction ${id}: ${submitted.error}`);
    }
    const queued = await sql<{ id: string; body: string }[]>`
      select id::text as id, body from sandbox_callbacks
      where target = 'custody' and delivered_at is null and body::jsonb ->> 'instructionId' = ${id} order by id`;
    for (const q of queued) {
      await applyCustodyCallback(sql, JSON.parse(q.body) as CustodyCallbackBody, { outbox: deps.outbox });
      await sql`update sandbox_callbacks set delivered_at = now(), last_status = 200 where id = ${q.id}`;
    }
  }
  return open.length;
}
