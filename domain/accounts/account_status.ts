/**
 * The account states money commands must respect: a user frozen by staff (冻结) may log in and look but
 * moves no money; a closed or disabled account cannot log in at all. Money commands call
 * {@link lockUserForMoney} first thing inside their transaction: it takes a share lock on the user's row,
 * so a freeze committed by staff waits for money commands already running and every later one sees it.
 * @module
 */
import type { Tx } from "../../db/tx.ts";

/** Outcome of {@link lockUserForMoney}. */
export type MoneyAllowedResult =
  | { ok: true }
  | { ok: false; code: "account_frozen" | "account_closed" | "not_found" };

/** Chinese messages of {@link lockUserForMoney}'s refusals. */
export const ACCOUNT_STATUS_MESSAGES = {
  account_frozen: "您的账户已被冻结，暂时不能进行资金操作。如有疑问请联系客服。",
  account_closed: "该账户已停用或注销，不能进行资金操作",
  not_found: "用户不存在",
} as const;

/**
 * Whether `userId` may move money now (`users.status = 'active'`), holding a share lock on the row until
 * the caller's transaction ends. Codes: `account_frozen`, `account_closed` (closed or disabled), `not_found`.
 */
export async function lockUserForMoney(tx: Tx, userId: string): Promise<MoneyAllowedResult> {
  const [row] = await tx<{ status: string }[]>`select status from users where id = ${userId} for share`;
  if (!row) return { ok: false, code: "not_found" };
  if (row.status === "active") return { ok: true };
  return { ok: false, code: row.status === "frozen" ? "account_frozen" : "account_closed" };
}
