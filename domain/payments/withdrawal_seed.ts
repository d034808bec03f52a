/**
 * Demo data of the withdrawal room: one large withdrawal waiting for staff review, so the queue at
 * `/admin/finance/withdrawals` has something to approve after `deno task start`. Call it from db/seed.ts
 * after the demo users have verified identities, cards and money. Idempotent (a fixed idempotency key).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import type { Db } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { listActiveCards } from "../identity/bank_card.ts";
import { userBalances } from "../ledger/ledger.ts";
import { findWithdrawalByKey, getWithdrawalSettings, requestWithdrawal } from "./withdrawal.ts";

/** The demo withdrawal's idempotency key. */
export const DEMO_WITHDRAWAL_KEY = "demo-withdrawal-review-1";

/**
 * For the demo user with `phone`: when they have a card and enough money, request a withdrawal just above
 * the review threshold (one approval needed). Returns the withdrawal id, or null when skipped.
 */
export async function seedDemoWithdrawal(
  sql: Db,
  deps: { pii: PiiCipher; outbox: Outbox },
  phone: string,
): Promise<string | null> {
  const [user] = await sql<{ id: string }[]>`select id from users where phone_hash = ${await deps.pii.hash(
    phone,
  )}`;
  if (!user) return null;
  const userId = String(user.id);
  const earlier = await findWithdrawalByKey(sql, userId, DEMO_WITHDRAWAL_KEY);
  if (earlier) return earlier;
  const [card] = await listActiveCards(sql, userId);
  if (!card) return null;
  const settings = await getWithdrawalSettings(sql);
  const amountFen = settings.reviewThresholdFen + 1_000_00n;
  if ((await userBalances(sql, userId)).availableFen < amountFen) return null;
  const r = await requestWithdrawal(sql, {
    userId,
    cardId: String(card.id),
    amountYuan: (amountFen / 100n).toString(),
    idempotencyKey: DEMO_WITHDRAWAL_KEY,
    tradePasswordVerified: true, // demo data: no one typed a password
    ip: null,
  }, { outbox: deps.outbox });
  return r.ok ? r.withdrawalId : null;
}
