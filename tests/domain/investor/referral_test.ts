/** Invite rewards through the ledger: once per invitee and milestone, rules, audit, on both databases. */
import assert from "node:assert/strict";
import { transaction } from "../../../db/tx.ts";
import type { Db } from "../../../db/tx.ts";
import { userBalances } from "../../../domain/ledger/ledger.ts";
import { auditLedger } from "../../../domain/ledger/audit.ts";
import {
  inviteSummary,
  listInvitees,
  listReferralRules,
  onInviteeMilestone,
  type ReferralMilestone,
  updateReferralRule,
} from "../../../domain/investor/referral.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { invitedPair, staffActor } from "./helpers.ts";

async function reach(sql: Db, inviteeId: string, milestone: ReferralMilestone) {
  return await transaction(sql, (tx) => onInviteeMilestone(tx, testOutbox, { inviteeId, milestone }));
}

async function ruleOf(sql: Db, milestone: ReferralMilestone) {
  return (await listReferralRules(sql)).find((r) => r.milestone === milestone)!;
}

dbTest(
  "a milestone with an active rule credits the inviter's reward once, notifies, and the ledger balances",
  async (sql) => {
    const { inviter, invitee } = await invitedPair(sql);
    const rule = await ruleOf(sql, "first_bid");
    assert.ok(rule.active, "first_bid is active by default");
    const first = await reach(sql, invitee.userId, "first_bid");
    assert.ok(first.credited);
    assert.equal(first.inviterId, inviter.userId);
    assert.equal(first.amountFen, rule.amountFen);
    // repeated reports (a second bid, a retried job) credit nothing more
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await reach(sql, invitee.userId, "first_bid"), {
        credited: false,
        reason: "already_credited",
      });
    }
    const balances = await userBalances(sql, inviter.userId);
    assert.equal(balances.rewardFen, rule.amountFen);
    assert.equal(balances.availableFen, 0n);
    const [entry] = await sql<{ n: bigint }[]>`
    select count(*) as n from journal_entries where idempotency_key = ${`referral:${invitee.userId}:first_bid`}`;
    assert.equal(entry.n, 1n);
    const [note] = await sql<{ n: bigint }[]>`
    select count(*) as n from outbox_events where dedupe_key like ${`notification:generic:${inviter.userId}:referral:${invitee.userId}:first_bid`}`;
    assert.equal(note.n, 1n);
    assert.deepEqual(await auditLedger(sql), []);

    const invitees = await listInvitees(sql, testCipher, inviter.userId);
    assert.equal(invitees.length, 1);
    assert.equal(invitees[0].status, "invested");
    assert.match(invitees[0].phoneMasked, /^1\d{2}\*{4}\d{4}$/);
    assert.equal(invitees[0].phoneMasked.slice(-4), invitee.phone.slice(-4));
    assert.equal(invitees[0].rewardFen, rule.amountFen);
    assert.deepEqual(await inviteSummary(sql, inviter.userId), { invitees: 1n, rewardFen: rule.amountFen });
  },
);

dbTest("concurrent reports of one milestone credit once (postgres and PGlite)", async (sql) => {
  const { inviter, invitee } = await invitedPair(sql);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => reach(sql, invitee.userId, "first_bid")),
  );
  const credited = results.filter((r) => r.status === "fulfilled" && r.value.credited).length;
  const failures = results.flatMap((r) => r.status === "rejected" ? [String(r.reason)] : []);
  assert.deepEqual(failures, []);
  assert.equal(credited, 1);
  assert.equal(
    (await userBalances(sql, inviter.userId)).rewardFen,
    (await ruleOf(sql, "first_bid")).amountFen,
  );
});

dbTest(
  "no inviter, an inactive rule, or a closed inviter credit nothing but the milestone is recorded",
  async (sql) => {
    const alone = await createUser(sql);
    assert.deepEqual(await reach(sql, alone.userId, "first_bid"), { credited: false, reason: "no_inviter" });

    const { inviter, invitee } = await invitedPair(sql);
    assert.equal((await ruleOf(sql, "first_top_up")).active, false);
    assert.deepEqual(await reach(sql, invitee.userId, "first_top_up"), {
      credited: false,
      reason: "no_active_rule",
    });
    assert.deepEqual(await reach(sql, invitee.userId, "identity_verified"), {
      credited: false,
      reason: "no_active_rule",
    });
    const [list] = await listInvitees(sql, testCipher, inviter.userId);
    assert.equal(list.status, "verified");
    assert.equal((await userBalances(sql, inviter.userId)).rewardFen, 0n);

    const closed = await invitedPair(sql);
    await sql`update users set status = 'closed' where id = ${closed.inviter.userId}`;
    assert.deepEqual(await reach(sql, closed.invitee.userId, "first_bid"), {
      credited: false,
      reason: "inviter_closed",
    });
  },
);

dbTest("updateReferralRule: permission, validation, audit; unchanged writes nothing", async (sql) => {
  const finance = await staffActor(sql, "finance");
  const ops = await staffActor(sql, "operations");
  const current = await ruleOf(sql, "identity_verified");
  assert.deepEqual(
    await updateReferralRule(sql, { milestone: "identity_verified", amount: "5", active: true }, finance),
    { ok: false, code: "forbidden" },
  );
  for (const amount of ["", "0", "-1", "1.001", "abc", "1000.01"]) {
    const r = await updateReferralRule(sql, { milestone: "identity_verified", amount, active: true }, ops);
    assert.ok(!r.ok && r.code === "invalid_input" && r.fields.amount, amount);
  }
  const badMilestone = await updateReferralRule(sql, { milestone: "signup", amount: "5", active: true }, ops);
  assert.ok(!badMilestone.ok && badMilestone.code === "invalid_input" && badMilestone.fields.milestone);

  const yuan = `${current.amountFen / 100n}.${String(current.amountFen % 100n).padStart(2, "0")}`;
  assert.deepEqual(
    await updateReferralRule(
      sql,
      { milestone: "identity_verified", amount: yuan, active: current.active },
      ops,
    ),
    { ok: true, changed: false },
  );
  const changed = await updateReferralRule(sql, {
    milestone: "identity_verified",
    amount: "8.80",
    active: true,
  }, ops);
  assert.deepEqual(changed, { ok: true, changed: true });
  const [audit] = await sql<{ detail: Record<string, unknown> }[]>`
    select detail from audit_log where action = 'referral_rule.update' and staff_id = ${ops.staff.id}`;
  assert.deepEqual(audit.detail.after, { amountFen: "880", active: true });
  // restore
  await updateReferralRule(
    sql,
    { milestone: "identity_verified", amount: yuan, active: current.active },
    ops,
  );
});
