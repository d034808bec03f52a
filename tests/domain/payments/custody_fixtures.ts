/**
 * Fixtures of the custody and top-up tests: a user ready to top up (identity verified, custody
 * sub-account open at the sandbox bank and on our side, a trade password), and helpers that drive the
 * sandbox bank and channels without HTTP.
 * @module
 */
import type { Db } from "../../../db/tx.ts";
import { hashPassword } from "../../../domain/accounts/password.ts";
import type { Gateways } from "../../../domain/gateways/mod.ts";
import type { CustodyCallbackBody } from "../../../domain/gateways/custody.ts";
import type { PaymentCallbackBody } from "../../../domain/gateways/payment.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";

/** The trade password of {@link topUpUser}. */
export const TOP_UP_TRADE_PASSWORD = "604817";

/** A user who can top up: verified, sub-account open at the sandbox bank and in `custody_accounts`. */
export async function topUpUser(
  sql: Db,
  gateways: Gateways,
): Promise<{ userId: string; phone: string; accountNo: string }> {
  const { userId, phone } = await createUser(sql);
  const idNumber = `11010119900307${String(Number(userId) % 10_000).padStart(4, "0")}`;
  await sql`
    update users set real_name_enc = ${await testCipher.encrypt("测试用户")},
      id_number_enc = ${await testCipher.encrypt(idNumber)}, id_number_hash = ${
    "test-" + crypto.randomUUID()
  },
      identity_verified_at = now()
    where id = ${userId}`;
  const opened = await gateways.custody.openAccount({
    requestId: `test-open-${userId}`,
    userId,
    realName: "测试用户",
    idNumber,
    phone,
  });
  if (!opened.ok) throw new Error("sandbox did not open the account");
  await sql`
    insert into custody_accounts (user_id, account_no, status, opened_at)
    values (${userId}, ${opened.accountNo}, 'open', now())`;
  const hash = await hashPassword(TOP_UP_TRADE_PASSWORD, { cost: 4 });
  await sql`
    insert into trade_passwords (user_id, password_hash, set_at, updated_at) values (${userId}, ${hash}, now(), now())`;
  return { userId, phone, accountNo: opened.accountNo };
}

/** The callbacks the sandbox queued for `key` (an instruction id or a merchant order number), oldest first. */
export async function queuedCallbacks<T = CustodyCallbackBody | PaymentCallbackBody>(
  sql: Db,
  key: string,
): Promise<{ id: string; body: T; deliveredAt: Date | null }[]> {
  const rows = await sql<{ id: string; body: string; deliveredAt: Date | null }[]>`
    select id::text as id, body, delivered_at as "deliveredAt" from sandbox_callbacks
    where coalesce(body::jsonb ->> 'instructionId', body::jsonb ->> 'merchantOrderNo') = ${key}
    order by id`;
  return rows.map((r) => ({ ...r, body: JSON.parse(r.body) as T }));
}
