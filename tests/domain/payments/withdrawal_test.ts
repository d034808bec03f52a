import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import {
  approveWithdrawal,
  getWithdrawalSettings,
  listStaffWithdrawals,
  listUserWithdrawals,
  rejectWithdrawal,
  requestWithdrawal,
  requiredApprovals,
  updateWithdrawalSettings,
  type WithdrawalRequestInput,
} from "../../../domain/payments/withdrawal.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { deliverOutbox, testOutbox } from "../../helpers/outbox.ts";
import { applyCustodyCallback } from "../../../domain/payments/custody_instruction.ts";
import { seedDemoWithdrawal } from "../../../domain/payments/withdrawal_seed.ts";
import { testCipher } from "../../helpers/forms.ts";
import { assertBalances, bankAnswers, staffActor, withdrawalUser } from "./withdrawal_fixtures.ts";

const deps = { outbox: testOutbox };
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));

function request(sql: Db, patch: Partial<WithdrawalRequestInput> & { userId: string; cardId: string }) {
  return requestWithdrawal(sql, {
    amountYuan: "100.00",
    idempotencyKey: crypto.randomUUID(),
    tradePasswordVerified: true,
    ip: "10.0.0.9",
    ...patch,
  }, deps);
}

async function instructionsFor(sql: Db, withdrawalId: string) {
  return await sql<{ kind: string; amountFen: bigint; status: string }[]>`
    select kind, amount_fen as "amountFen", status from custody_instructions
    where reference = ${"withdrawal:" + withdrawalId}`;
}

async function notificationsFor(sql: Db, userId: string, title: string) {
  const rows = await sql<{ payload: { userId: string; payload: { title: string; body: string } } }[]>`
    select payload from outbox_events where topic = 'notification' and payload->>'userId' = ${userId}`;
  return rows.map((r) => r.payload.payload).filter((p) => p.title === title);
}

async function assertLedgerClean(sql: Db) {
  const violations = await auditLedger(sql);
  assert.deepEqual(violations, []);
}

Deno.test("withdrawal: approvals needed by amount", () => {
  const s = { reviewThresholdFen: 5_000_000n, secondApprovalThresholdFen: 20_000_000n };
  assert.equal(requiredApprovals(5_000_000n, s), 0);
  assert.equal(requiredApprovals(5_000_001n, s), 1);
  assert.equal(requiredApprovals(20_000_000n, s), 1);
  assert.equal(requiredApprovals(20_000_001n, s), 2);
});

dbTest("withdrawal: a small one freezes, goes to the bank at once, and settles on success", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n); // ¥500
  const r = await request(sql, { ...u, amountYuan: "100" });
  assert.ok(r.ok, show(r));
  assert.equal(r.status, "processing");
  assert.equal(r.amountFen, 10_000n);
  assert.equal(r.feeFen, 200n); // the initial rule: ¥2.00 per withdrawal
  assert.equal(r.netFen, 9_800n);
  await assertBalances(sql, u.userId, 40_000n, 10_000n);
  const [instruction] = await instructionsFor(sql, r.withdrawalId);
  assert.equal(instruction.kind, "withdrawal");
  assert.equal(BigInt(instruction.amountFen), 10_000n);

  const done = await bankAnswers(sql, r.withdrawalId, "succeeded");
  assert.deepEqual(done, { ok: true, applied: true, status: "succeeded" });
  await assertBalances(sql, u.userId, 40_000n);
  // a repeated answer changes nothing
  assert.deepEqual(await bankAnswers(sql, r.withdrawalId, "succeeded"), {
    ok: true,
    applied: false,
    status: "succeeded",
  });
  assert.deepEqual(await bankAnswers(sql, r.withdrawalId, "failed"), {
    ok: true,
    applied: false,
    status: "succeeded",
  });
  await assertBalances(sql, u.userId, 40_000n);
  const lines = await sql<{ kind: string; amountFen: bigint }[]>`
    select a.kind, l.amount_fen as "amountFen" from journal_lines l
      join journal_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
    where e.reference = ${"withdrawal:" + r.withdrawalId} and e.business_type = 'withdrawal_settle'
    order by a.kind`;
  assert.deepEqual(lines.map((l) => [l.kind, BigInt(l.amountFen)]), [
    ["custody_clearing", 9_800n],
    ["platform_fee_income", 200n],
    ["user_frozen", -10_000n],
  ]);
  assert.equal((await notificationsFor(sql, u.userId, "提现成功")).length, 1);
  const [listed] = await listUserWithdrawals(sql, u.userId);
  assert.equal(listed.status, "succeeded");
  assert.equal(listed.last4.length, 4);
  await assertLedgerClean(sql);
});

dbTest("withdrawal: a bank failure returns the money once and notifies", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n);
  const r = await request(sql, { ...u, amountYuan: "300.50" });
  assert.ok(r.ok);
  assert.deepEqual(await bankAnswers(sql, r.withdrawalId, "failed"), {
    ok: true,
    applied: true,
    status: "failed",
  });
  assert.deepEqual(await bankAnswers(sql, r.withdrawalId, "failed"), {
    ok: true,
    applied: false,
    status: "failed",
  });
  await assertBalances(sql, u.userId, 50_000n);
  assert.equal((await notificationsFor(sql, u.userId, "提现失败")).length, 1);
  await assertLedgerClean(sql);
});

dbTest("withdrawal: the same idempotency key moves money once and returns the first result", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n);
  const key = crypto.randomUUID();
  const first = await request(sql, { ...u, idempotencyKey: key });
  const again = await request(sql, { ...u, idempotencyKey: key, amountYuan: "200" });
  assert.ok(first.ok && again.ok);
  assert.equal(again.withdrawalId, first.withdrawalId);
  assert.equal(again.replayed, true);
  assert.equal(again.amountFen, 10_000n);
  await assertBalances(sql, u.userId, 40_000n, 10_000n);
  assert.equal((await instructionsFor(sql, first.withdrawalId)).length, 1);
});

dbTest("withdrawal: bad input and refusals change nothing", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n);
  const other = await withdrawalUser(sql, 0n);
  const before = await userBalances(sql, u.userId);
  const cases: [Partial<WithdrawalRequestInput>, string, string?][] = [
    [{ amountYuan: "0" }, "invalid_input", "amountYuan"],
    [{ amountYuan: "-5" }, "invalid_input", "amountYuan"],
    [{ amountYuan: "1.234" }, "invalid_input", "amountYuan"],
    [{ amountYuan: "abc" }, "invalid_input", "amountYuan"],
    [{ amountYuan: "" }, "invalid_input", "amountYuan"],
    [{ cardId: "x" }, "invalid_input", "cardId"],
    [{ idempotencyKey: "" }, "invalid_input", "idempotencyKey"],
    [{ cardId: other.cardId }, "card_not_found"],
    [{ tradePasswordVerified: false }, "trade_password_required"],
    [{ amountYuan: "0.99" }, "below_minimum"],
    [{ amountYuan: "1.50" }, "amount_below_fee"],
    [{ amountYuan: "500.01" }, "insufficient_funds"],
    [{ amountYuan: "1000000" }, "daily_amount_exceeded"],
  ];
  for (const [patch, code, field] of cases) {
    const r = await request(sql, { ...u, ...patch });
    assert.equal(r.ok, false, JSON.stringify(patch));
    assert.equal(!r.ok && r.code, code, JSON.stringify(patch));
    if (field) assert.ok(!r.ok && r.code === "invalid_input" && r.fields[field], JSON.stringify(patch));
  }
  assert.deepEqual(await userBalances(sql, u.userId), before);
  assert.equal((await listUserWithdrawals(sql, u.userId)).length, 0);
  // a frozen account cannot withdraw
  await sql`update users set status = 'frozen' where id = ${u.userId}`;
  const frozen = await request(sql, u);
  assert.deepEqual(frozen, { ok: false, code: "user_inactive" });
  // no custody account: nothing can be sent
  const noCustody = await withdrawalUser(sql, 50_000n);
  await sql`delete from custody_accounts where user_id = ${noCustody.userId}`;
  const r = await request(sql, noCustody);
  assert.deepEqual(r, { ok: false, code: "custody_account_not_open" });
});

dbTest("withdrawal: daily count limit (rejected and failed ones do not count)", async (sql) => {
  const u = await withdrawalUser(sql, 1_000_000n);
  const settings = await getWithdrawalSettings(sql);
  const ids: string[] = [];
  for (let i = 0; i < settings.dailyCountLimit; i++) {
    const r = await request(sql, { ...u, amountYuan: "10" });
    assert.ok(r.ok, show(r));
    ids.push(r.withdrawalId);
  }
  const over = await request(sql, { ...u, amountYuan: "10" });
  assert.equal(!over.ok && over.code, "daily_count_exceeded");
  await bankAnswers(sql, ids[0], "failed");
  const afterFailure = await request(sql, { ...u, amountYuan: "10" });
  assert.ok(afterFailure.ok);
});

dbTest("withdrawal: above the review threshold one finance approval sends it to the bank", async (sql) => {
  const s = await getWithdrawalSettings(sql);
  const u = await withdrawalUser(sql, s.secondApprovalThresholdFen * 2n);
  const amountYuan = String((s.reviewThresholdFen + 100n) / 100n);
  const r = await request(sql, { ...u, amountYuan });
  assert.ok(r.ok);
  assert.equal(r.status, "pending_review");
  assert.equal((await instructionsFor(sql, r.withdrawalId)).length, 0);
  const queue = await listStaffWithdrawals(sql, "pending");
  assert.ok(queue.some((w) => w.id === r.withdrawalId));
  // oldest first
  const ids = queue.map((w) => BigInt(w.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));

  const cs = await staffActor(sql, "customer_service");
  assert.deepEqual(await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, cs, deps), {
    ok: false,
    code: "forbidden",
  });
  const a = await staffActor(sql);
  const ok = await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, a, deps);
  assert.deepEqual(ok, { ok: true, status: "processing", approvals: 1, requiredApprovals: 1 });
  assert.equal((await instructionsFor(sql, r.withdrawalId)).length, 1);
  assert.deepEqual(await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, a, deps), {
    ok: false,
    code: "not_pending",
  });
  const [audit] = await sql<{ staffId: string }[]>`
    select staff_id as "staffId" from audit_log where action = 'withdrawal.approve'
      and target = ${"withdrawal:" + r.withdrawalId}`;
  assert.equal(String(audit.staffId), a.staff.id);
  assert.deepEqual(await approveWithdrawal(sql, { withdrawalId: "999999999999" }, a, deps), {
    ok: false,
    code: "not_found",
  });
});

dbTest("withdrawal: above the second threshold two different staff must approve (four eyes)", async (sql) => {
  const s = await getWithdrawalSettings(sql);
  const u = await withdrawalUser(sql, s.secondApprovalThresholdFen * 2n);
  const r = await request(sql, { ...u, amountYuan: String((s.secondApprovalThresholdFen + 100n) / 100n) });
  assert.ok(r.ok);
  assert.equal(r.status, "pending_review");
  const a = await staffActor(sql);
  const b = await staffActor(sql);
  assert.deepEqual(await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, a, deps), {
    ok: true,
    status: "pending_review",
    approvals: 1,
    requiredApprovals: 2,
  });
  assert.deepEqual(await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, a, deps), {
    ok: false,
    code: "already_approved",
  });
  assert.equal((await instructionsFor(sql, r.withdrawalId)).length, 0);
  const second = await approveWithdrawal(sql, { withdrawalId: r.withdrawalId }, b, deps);
  assert.deepEqual(second, { ok: true, status: "processing", approvals: 2, requiredApprovals: 2 });
  assert.equal((await instructionsFor(sql, r.withdrawalId)).length, 1);
  const [row] = (await listStaffWithdrawals(sql, "recent", 500)).filter((w) => w.id === r.withdrawalId);
  assert.deepEqual(row.approvals.map((x) => x.staffId), [a.staff.id, b.staff.id]);
  await bankAnswers(sql, r.withdrawalId, "succeeded");
  await assertLedgerClean(sql);
});

dbTest("withdrawal: a rejection returns the money with a reason and notifies the user", async (sql) => {
  const s = await getWithdrawalSettings(sql);
  const u = await withdrawalUser(sql, s.reviewThresholdFen * 2n);
  const r = await request(sql, { ...u, amountYuan: String((s.reviewThresholdFen + 100n) / 100n) });
  assert.ok(r.ok);
  const a = await staffActor(sql);
  const short = await rejectWithdrawal(sql, { withdrawalId: r.withdrawalId, reason: "x" }, a, deps);
  assert.equal(!short.ok && short.code, "invalid_input");
  assert.deepEqual(
    await rejectWithdrawal(sql, { withdrawalId: r.withdrawalId, reason: "银行卡信息存疑" }, a, deps),
    {
      ok: true,
    },
  );
  await assertBalances(sql, u.userId, s.reviewThresholdFen * 2n);
  assert.deepEqual(
    await rejectWithdrawal(sql, { withdrawalId: r.withdrawalId, reason: "再次拒绝" }, a, deps),
    {
      ok: false,
      code: "not_pending",
    },
  );
  // the bank cannot settle a rejected withdrawal
  assert.deepEqual(await bankAnswers(sql, r.withdrawalId, "succeeded"), {
    ok: false,
    code: "not_processing",
  });
  const [w] = await listUserWithdrawals(sql, u.userId);
  assert.equal(w.status, "rejected");
  assert.equal(w.rejectReason, "银行卡信息存疑");
  const notes = await notificationsFor(sql, u.userId, "提现申请未通过");
  assert.equal(notes.length, 1);
  assert.match(notes[0].body, /银行卡信息存疑/);
  await assertLedgerClean(sql);
});

dbTest("withdrawal: settings are validated, saved and audited", async (sql) => {
  const a = await staffActor(sql);
  const before = await getWithdrawalSettings(sql);
  const yuan = (f: bigint) => (Number(f) / 100).toFixed(2);
  const bad = await updateWithdrawalSettings(sql, {
    reviewThresholdYuan: "100",
    secondApprovalThresholdYuan: "50",
    minAmountYuan: "0",
    dailyCountLimit: "0",
    dailyAmountLimitYuan: "1.234",
  }, a);
  assert.ok(!bad.ok && bad.code === "invalid_input");
  assert.deepEqual(Object.keys(bad.fields).sort(), [
    "dailyAmountLimitYuan",
    "dailyCountLimit",
    "minAmountYuan",
    "secondApprovalThresholdYuan",
  ]);
  const same = {
    reviewThresholdYuan: yuan(before.reviewThresholdFen),
    secondApprovalThresholdYuan: yuan(before.secondApprovalThresholdFen),
    minAmountYuan: yuan(before.minAmountFen),
    dailyCountLimit: String(before.dailyCountLimit),
    dailyAmountLimitYuan: yuan(before.dailyAmountLimitFen),
  };
  // save the same values (other tests share these settings), audited with who did it
  assert.deepEqual(await updateWithdrawalSettings(sql, same, a), { ok: true });
  const after = await getWithdrawalSettings(sql);
  assert.equal(after.updatedBy, a.staff.id);
  assert.equal(after.reviewThresholdFen, before.reviewThresholdFen);
  const [audit] = await sql`
    select 1 from audit_log where action = 'withdrawal.settings' and staff_id = ${a.staff.id}`;
  assert.ok(audit);
  const cs = await staffActor(sql, "customer_service");
  assert.deepEqual(await updateWithdrawalSettings(sql, same, cs), { ok: false, code: "forbidden" });
});

dbTest("withdrawal: postgres — 50 concurrent copies with one key move money once", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n);
  const key = crypto.randomUUID();
  const results = await Promise.all(
    Array.from({ length: 50 }, () => request(sql, { ...u, idempotencyKey: key, amountYuan: "100" })),
  );
  assert.ok(results.every((r) => r.ok), show(results.find((r) => !r.ok)));
  const ids = new Set(results.map((r) => r.ok && r.withdrawalId));
  assert.equal(ids.size, 1);
  assert.equal(results.filter((r) => r.ok && !r.replayed).length, 1);
  await assertBalances(sql, u.userId, 40_000n, 10_000n);
  const [{ n }] = await sql<{ n: bigint }[]>`
    select count(*) as n from journal_entries where reference = ${"withdrawal:" + [...ids][0]}`;
  assert.equal(BigInt(n), 1n);
  assert.equal((await instructionsFor(sql, String([...ids][0]))).length, 1);
}, { ignore: testDbKind !== "postgres" });

dbTest(
  "withdrawal: postgres — 50 concurrent different requests never overdraw nor pass the daily count",
  async (sql) => {
    const u = await withdrawalUser(sql, 30_000n); // ¥300: three of ¥100
    const results = await Promise.all(
      Array.from({ length: 50 }, () => request(sql, { ...u, amountYuan: "100" })),
    );
    const ok = results.filter((r) => r.ok);
    assert.equal(ok.length, 3);
    assert.ok(
      results.every((r) => r.ok || r.code === "insufficient_funds" || r.code === "daily_count_exceeded"),
    );
    await assertBalances(sql, u.userId, 0n, 30_000n);
    // concurrent bank answers for one withdrawal settle once
    const id = ok[0].ok ? ok[0].withdrawalId : "";
    const answers = await Promise.all(Array.from({ length: 10 }, () => bankAnswers(sql, id, "succeeded")));
    assert.equal(answers.filter((a) => a.ok && a.applied).length, 1);
    await assertLedgerClean(sql);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest("withdrawal: through the sandbox bank and its (replayed) callback it settles once", async (sql) => {
  const u = await withdrawalUser(sql, 50_000n);
  const r = await request(sql, { ...u, amountYuan: "200" });
  assert.ok(r.ok);
  await deliverOutbox(sql); // submits the instruction to the sandbox bank, which queues its callback
  const [instruction] = await sql<{ id: string }[]>`
    select id from custody_instructions where reference = ${"withdrawal:" + r.withdrawalId}`;
  const callbacks = await sql<{ body: string }[]>`
    select body from sandbox_callbacks where target = 'custody' and body like ${`%"instructionId":"${instruction.id}"%`}`;
  assert.ok(callbacks.length >= 1, "the sandbox bank queued its callback");
  const body = JSON.parse(callbacks[0].body);
  assert.equal(body.status, "succeeded");
  for (let i = 0; i < 3; i++) await applyCustodyCallback(sql, body, deps);
  await assertBalances(sql, u.userId, 30_000n);
  const [w] = await listUserWithdrawals(sql, u.userId);
  assert.equal(w.status, "succeeded");
  await assertLedgerClean(sql);
});

dbTest("withdrawal: the demo seed makes one withdrawal waiting for review, once", async (sql) => {
  const u = await withdrawalUser(sql, 10_000_000n);
  const first = await seedDemoWithdrawal(sql, { pii: testCipher, outbox: testOutbox }, u.phone);
  const again = await seedDemoWithdrawal(sql, { pii: testCipher, outbox: testOutbox }, u.phone);
  assert.ok(first);
  assert.equal(again, first);
  const [w] = await listUserWithdrawals(sql, u.userId);
  assert.equal(w.status, "pending_review");
  const poor = await withdrawalUser(sql, 100n);
  assert.equal(await seedDemoWithdrawal(sql, { pii: testCipher, outbox: testOutbox }, poor.phone), null);
});
