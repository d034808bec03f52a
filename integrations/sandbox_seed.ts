/**
 * Demo data for the sandbox bank: a seeded user's money must be cash at the bank too, or every seeded
 * balance would show up as a reconciliation difference (and the bank would refuse their withdrawals). So
 * the seed tops up through the real path — order, channel confirmation, bank instruction, bank
 * confirmation — only without HTTP: the callbacks are applied directly (they are the sandbox's own).
 * @module
 */
import type { Outbox } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import type { CustodyCallbackBody } from "../domain/gateways/custody.ts";
import type { Gateways } from "../domain/gateways/mod.ts";
import type { Fen } from "../domain/money/fen.ts";
import { applyCustodyCallback, submitCustodyInstruction } from "../domain/payments/custody_instruction.ts";
import { applyPaymentCallback, createTopUpOrder } from "../domain/payments/top_up.ts";

/**
 * Make sure the sandbox bank has a sub-account for `userId` and that `custody_accounts` says it is open
 * (for seeded users that skipped the real-name flow). Returns the account number.
 */
export async function ensureSandboxCustodyAccount(
  db: Db,
  gateways: Pick<Gateways, "custody">,
  user: { userId: string; phone: string; realName: string; idNumber: string },
): Promise<string> {
  const opened = await gateways.custody.openAccount({ requestId: `seed-open-${user.userId}`, ...user });
  if (!opened.ok) throw new Error(`sandbox refused to open an account for user ${user.userId}`);
  await db`
    insert into custody_accounts (user_id, account_no, status, opened_at)
    values (${user.userId}, ${opened.accountNo}, 'open', now())
    on conflict (user_id) do update set account_no = excluded.account_no, status = 'open',
      opened_at = coalesce(custody_accounts.opened_at, now())`;
  return opened.accountNo;
}

/**
 * Top up `amountFen` for a verified user with an open custody account, through the whole path, once per
 * `key` (a repeat does nothing). Returns the order id.
 *
 * @throws {Error} when the order is refused (e.g. the user is not verified) or a step fails.
 */
export async function seedTopUp(
  db: Db,
  deps: { gateways: Pick<Gateways, "custody">; outbox: Outbox },
  input: { userId: string; amountFen: Fen; key: string },
): Promise<string> {
  const created = await createTopUpOrder(db, {
    userId: input.userId,
    amountFen: input.amountFen,
    channel: "quick_pay",
    idempotencyKey: `seed:${input.key}`.slice(0, 100),
    tradePasswordVerified: true,
  }, { ignoreDailyLimit: true });
  if (!created.ok) throw new Error(`seed top-up refused: ${created.code}`);
  const order = created.order;
  if (order.status === "succeeded") return order.id;
  await applyPaymentCallback(db, {
    callbackId: `seed-pcb-${order.orderNo}`,
    merchantOrderNo: order.orderNo,
    channel: order.channel,
    paymentId: `SEED-${order.orderNo}`,
    status: "paid",
    amountFen: order.amountFen.toString(),
    decidedAt: new Date().toISOString(),
  }, { outbox: deps.outbox });
  const [row] = await db<{ id: string | null }[]>`
    select custody_instruction_id::text as id from top_up_orders where id = ${order.id}`;
  if (!row?.id) throw new Error(`seed top-up ${order.id}: no custody instruction`);
  const submitted = await submitCustodyInstruction(db, {
    custody: deps.gateways.custody,
    outbox: deps.outbox,
  }, row.id);
  if (!submitted.ok) throw new Error(`seed top-up ${order.id}: ${submitted.error}`);
  const queued = await db<{ id: string; body: string }[]>`
    select id::text as id, body from sandbox_callbacks
    where target = 'custody' and body::jsonb ->> 'instructionId' = ${row.id} order by id`;
  for (const q of queued) {
    await applyCustodyCallback(db, JSON.parse(q.body) as CustodyCallbackBody, { outbox: deps.outbox });
    await db`update sandbox_callbacks set delivered_at = now(), last_status = 200 where id = ${q.id}`;
  }
  return order.id;
}
