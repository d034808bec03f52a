/**
 * Fixtures of the withdrawal tests: a user ready to withdraw (custody account open, one active card, a
 * trade password, money in available), its balances asserted, finance staff, and the custody bank's answer.
 * @module
 */
import assert from "node:assert/strict";
import { type Db, transaction } from "../../../db/tx.ts";
import { hashPassword } from "../../../domain/accounts/password.ts";
import { postEntry, userBalances } from "../../../domain/ledger/ledger.ts";
import type { Fen } from "../../../domain/money/fen.ts";
import { applyWithdrawalOutcome } from "../../../domain/payments/withdrawal.ts";
import { permissionsFor } from "../../../domain/staff/permissions.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";

/** The trade password of {@link withdrawalUser}. */
export const TEST_TRADE_PASSWORD = "580913";

/** A user who can withdraw: open custody account, an active default card, trade password, `balanceFen`. */
export async function withdrawalUser(
  sql: Db,
  balanceFen: Fen = 10_000_000n,
): Promise<{ userId: string; phone: string; cardId: string }> {
  const { userId, phone } = await createUser(sql);
  const accountNo = `T${userId.padStart(12, "0")}`;
  await sql`
    insert into custody_accounts (user_id, account_no, status, opened_at) values (${userId}, ${accountNo}, 'open', now())`;
  // the sandbox bank's side of the same sub-account, holding the same money (as a top-up would)
  await sql`
    insert into sandbox_bank_accounts (account_no, user_id, balance_fen) values (${accountNo}, ${userId}, ${balanceFen})`;
  const last4 = String(Number(userId) % 10_000).padStart(4, "0");
  const cardNumber = `622202${String(userId).padStart(9, "0")}${last4}`;
  const [card] = await sql<{ id: string }[]>`
    insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
      reserved_phone_enc, is_default)
    values (${userId}, ${await testCipher.encrypt(cardNumber)}, ${"test-" + crypto.randomUUID()}, '622202',
      ${last4}, 'ICBC', '中国工商银行', ${await testCipher.encrypt(phone)}, true)
    returning id`;
  const hash = await hashPassword(TEST_TRADE_PASSWORD, { cost: 4 });
  await sql`
    insert into trade_passwords (user_id, password_hash, set_at, updated_at) values (${userId}, ${hash}, now(), now())`;
  if (balanceFen > 0n) {
    await transaction(sql, async (tx) => {
      const r = await postEntry(tx, {
        businessType: "top_up",
        reference: `test_top_up:${userId}`,
        idempotencyKey: `test_top_up:${userId}:${crypto.randomUUID()}`,
        lines: [
          { account: { kind: "custody_clearing" }, amountFen: -balanceFen },
          { account: { kind: "user_available", userId }, amountFen: balanceFen },
        ],
      });
      if (!r.ok) throw new Error("top-up failed");
    });
  }
  return { userId, phone, cardId: String(card.id) };
}

/** Asserts the user's balances: `availableFen` and `frozenFen` as given, no reward. */
export async function assertBalances(
  sql: Db,
  userId: string,
  availableFen: Fen,
  frozenFen: Fen = 0n,
): Promise<void> {
  assert.deepEqual(await userBalances(sql, userId), { availableFen, frozenFen, rewardFen: 0n });
}

/** A staff member of `role` (default finance) as an actor. */
export async function staffActor(sql: Db, role = "finance") {
  const username = `wd${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"财务" + username.slice(2, 6)}, ${role}, 'x') returning id`;
  return { staff: { id: String(row.id), permissions: permissionsFor(role) }, ip: "10.1.2.3" };
}

/** The custody bank's answer for a withdrawal, as the callback dispatcher applies it. */
export async function bankAnswers(sql: Db, withdrawalId: string, outcome: "succeeded" | "failed") {
  return await transaction(
    sql,
    (tx) =>
      applyWithdrawalOutcome(tx, { withdrawalId, outcome, bankReference: `B${withdrawalId}` }, {
        outbox: testOutbox,
      }),
  );
}
