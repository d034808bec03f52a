/**
 * The admin menu's queue counts: one statement for every queue, only the queues asked for, and each count
 * the same set its page lists (checked by adding one waiting item to every queue inside a transaction that
 * is rolled back, so the shared test database keeps nothing).
 */
import assert from "node:assert/strict";
import { type Db, transaction, type Tx } from "../../../db/tx.ts";
import { menuQueueCounts } from "../../../domain/admin/menu_counts.ts";
import { kycQueueCounts } from "../../../domain/identity/identity.ts";
import { listReviewQueue, listStaffLoans } from "../../../domain/lending/admin_loans.ts";
import { listCollectionQueue } from "../../../domain/lending/collections.ts";
import { reconciliationAlert } from "../../../domain/payments/reconciliation.ts";
import { listStaffWithdrawals } from "../../../domain/payments/withdrawal.ts";
import { MENU_QUEUES, menuFor, menuQueues } from "../../../domain/staff/permissions.ts";
import { dbTest } from "../../helpers/db.ts";

/** A handle that counts the statements sent through it. */
function countingSql(sql: Db): { sql: Db; statements: () => number } {
  let n = 0;
  const proxy = new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      if (Array.isArray(args[0]) && "raw" in (args[0] as object)) n++;
      return Reflect.apply(target, self, args);
    },
  });
  return { sql: proxy, statements: () => n };
}

dbTest(
  "menu counts: one statement for all queues; only the queues asked for; none, no query",
  async (sql) => {
    const c = countingSql(sql);
    const all = await menuQueueCounts(c.sql, MENU_QUEUES);
    assert.equal(c.statements(), 1);
    assert.deepEqual(Object.keys(all).sort(), [...MENU_QUEUES].sort());
    for (const n of Object.values(all)) assert.equal(typeof n, "bigint");

    const risk = await menuQueueCounts(c.sql, menuQueues(menuFor("risk")));
    assert.equal(c.statements(), 2);
    assert.deepEqual(Object.keys(risk).sort(), [
      "collections",
      "full_review",
      "kyc",
      "loan_review",
      "write_offs",
    ]);
    const finance = await menuQueueCounts(c.sql, menuQueues(menuFor("finance")));
    assert.deepEqual(Object.keys(finance).sort(), ["disbursement", "reconciliation", "withdrawals"]);

    assert.deepEqual(await menuQueueCounts(c.sql, menuQueues(menuFor("tech"))), {});
    assert.equal(c.statements(), 3, "no statement when nothing is counted");
  },
);

async function insertUser(tx: Tx): Promise<string> {
  const [u] = await tx<{ id: string }[]>`
    insert into users (kind, phone_enc, phone_hash, display_name)
    values ('borrower', '\\x00'::bytea, ${"menu-" + crypto.randomUUID()}, '计数测试') returning id`;
  return String(u.id);
}

async function insertLoan(tx: Tx, borrowerId: string, status: string): Promise<string> {
  const [l] = await tx<{ id: string }[]>`
    insert into loans (borrower_id, product_id, title, amount_fen, annual_rate_micros, term_unit, term_count,
      method, grade, risk_level, min_bid_fen, bid_unit_fen, service_fee_micros, interest_management_fee_micros,
      status, publish_at, bid_deadline)
    select ${borrowerId}, id, '计数测试', 1000000, 90000, 'month', 12, 'equal_installment', 'B', 'R2', 10000,
      10000, service_fee_micros, interest_management_fee_micros, ${status}, now() - interval '40 days',
      now() - interval '33 days'
    from loan_products where code = 'personal_credit' returning id`;
  return String(l.id);
}

/** What each queue's own page shows as waiting. */
async function pageCounts(tx: Tx): Promise<Record<string, bigint>> {
  const kyc = await kycQueueCounts(tx);
  const review = await listReviewQueue(tx, { status: "manual_review" });
  const [writeOffs] = await tx<{ n: bigint }[]>`
    select count(*) as n from write_off_proposals where status = 'pending'`;
  return {
    kyc: kyc.identity + kyc.video,
    withdrawals: BigInt((await listStaffWithdrawals(tx, "pending", 10_000)).length),
    loan_review: BigInt(review.counts.manual_review ?? 0),
    full_review: BigInt((await listStaffLoans(tx, ["full"])).length),
    disbursement: BigInt((await listStaffLoans(tx, ["full_reviewed"])).length),
    collections: BigInt((await listCollectionQueue(tx)).total),
    write_offs: BigInt(writeOffs.n),
    reconciliation: BigInt((await reconciliationAlert(tx))?.differenceCount ?? 0),
  };
}

dbTest("menu counts: each count is its page's queue, and grows with it", async (sql) => {
  const done = Symbol("rolled back");
  const outcome = await transaction(sql, async (tx, rollback) => {
    const before = await menuQueueCounts(tx, MENU_QUEUES);
    // the lists page by 50: this check holds while the test database keeps fewer loans waiting per queue
    assert.deepEqual(before, await pageCounts(tx));

    const userId = await insertUser(tx);
    const [staff] = await tx<{ id: string }[]>`
      insert into staff (username, display_name, role, password_hash)
      values (${
      "m" + crypto.randomUUID().replace(/-/g, "").slice(0, 20)
    }, '计数测试', 'risk', '!') returning id`;
    // 实名审核: one real-name exception and one video
    await tx`insert into identity_reviews (user_id, real_name_enc, id_number_enc, id_number_hash, gateway_code,
      gateway_message) values (${userId}, '\\x00'::bytea, '\\x00'::bytea, 'h', 'mismatch', '不一致')`;
    await tx`insert into video_verifications (user_id, file_name, content_type, size_bytes, sha256)
      values (${userId}, ${crypto.randomUUID().replace(/-/g, "") + ".mp4"}, 'video/mp4', 10, 'x')`;
    // 提现审核
    const [card] = await tx<{ id: string }[]>`
      insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
        reserved_phone_enc) values (${userId}, '\\x00'::bytea, ${crypto.randomUUID()}, '622202', '1234', 'ICBC',
        '工商银行', '\\x00'::bytea) returning id`;
    await tx`insert into withdrawals (user_id, card_id, amount_fen, fee_fen, net_fen, status, required_approvals,
      idempotency_key) values (${userId}, ${card.id}, 100000, 0, 100000, 'pending_review', 1, 'menu-count')`;
    // 借款审核
    await tx`insert into loan_applications (user_id, product_id, status, amount_fen, term_count, submitted_at)
      select ${userId}, id, 'manual_review', 1000000, 12, now() from loan_products where code = 'personal_credit'`;
    // 满标审核, 放款
    await insertLoan(tx, userId, "full");
    await insertLoan(tx, userId, "full_reviewed");
    // 逾期催收 with a write-off waiting for its second member; a settled loan is not counted
    const overdue = await insertLoan(tx, userId, "overdue");
    await tx`insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen, status)
      values (${overdue}, 1, current_date - 5, 100000, 900, 'overdue')`;
    await tx`insert into write_off_proposals (loan_id, reason, proposed_by)
      values (${overdue}, '无法联系借款人', ${staff.id})`;
    await insertLoan(tx, userId, "settled");
    // 资金对账: a later run that found three more differences than the latest one
    await tx`insert into reconciliation_runs (business_date, trigger, status, difference_count, finished_at)
      values (current_date, 'cron', 'done', ${Number(before.reconciliation) + 3}, now())`;
    // a run still going does not count yet
    await tx`insert into reconciliation_runs (business_date, trigger, status) values (current_date, 'staff', 'running')`;

    const after = await menuQueueCounts(tx, MENU_QUEUES);
    assert.deepEqual(after, await pageCounts(tx));
    const grew = Object.fromEntries(MENU_QUEUES.map((q) => [q, after[q]! - before[q]!]));
    assert.deepEqual(grew, {
      kyc: 2n,
      withdrawals: 1n,
      loan_review: 1n,
      full_review: 1n,
      disbursement: 1n,
      collections: 1n,
      write_offs: 1n,
      reconciliation: 3n,
    });
    return rollback(done);
  });
  assert.equal(outcome, done);
});
