/**
 * 投标授权 (bid authorisation): a verified trade password opens a short window (default 10 minutes) for one
 * session, capped in fen, in which bids need no new bcrypt check. Each bid calls
 * {@link consumeBidAuthorisation} inside its own transaction: one conditional update raises `used_fen`, so
 * the cap is never exceeded, whatever the concurrency. Top-ups, withdrawals, cards and security changes
 * always check the trade password afresh. Changing the trade password closes every open window.
 * @module
 */
import type postgres from "postgres";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { hashSessionId } from "./session.ts";
import { checkTradePassword, type TradePasswordCheck } from "./trade_password.ts";

/** Default window length. */
export const BID_AUTH_DEFAULT_MINUTES = 10;
/** Window lengths a user may choose. */
export const BID_AUTH_MINUTES_CHOICES: readonly number[] = [5, 10, 15, 30];
/** Smallest cap: 100 元. */
export const BID_AUTH_MIN_CAP_FEN: Fen = 10_000n;
/** Largest cap: 100 万元. */
export const BID_AUTH_MAX_CAP_FEN: Fen = 100_000_000n;

/** An open window. */
export interface BidAuthorisation {
  id: string;
  capFen: Fen;
  usedFen: Fen;
  remainingFen: Fen;
  expiresAt: Date;
  createdAt: Date;
}

/** Outcome of {@link openBidAuthorisation}. */
export type OpenBidAuthorisationResult =
  | { ok: true; authorisation: BidAuthorisation }
  | { ok: false; code: "invalid_cap" | "invalid_minutes" | "no_session" }
  | Exclude<TradePasswordCheck, { ok: true }>;

/** Chinese messages for the codes of this module (trade password codes: `TRADE_PASSWORD_MESSAGES`). */
export const BID_AUTH_MESSAGES = {
  invalid_cap: "授权额度须在 100 元至 100 万元之间",
  invalid_minutes: "请选择授权时长",
  no_session: "会话已失效，请重新登录",
  no_authorisation: "投标授权未开启或已过期，请输入交易密码",
  exceeds_cap: "本次投标金额超出授权剩余额度，请输入交易密码",
} as const;

type Row = { id: string; capFen: bigint; usedFen: bigint; expiresAt: Date; createdAt: Date };

function toAuthorisation(r: Row): BidAuthorisation {
  return {
    id: r.id,
    capFen: r.capFen,
    usedFen: r.usedFen,
    remainingFen: r.capFen - r.usedFen,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
  };
}

/**
 * The command 开启投标授权: check the trade password (counted and locked like every check), then close
 * this session's open window and open a new one of `minutes` (one of {@link BID_AUTH_MINUTES_CHOICES}) with
 * `capFen` ({@link BID_AUTH_MIN_CAP_FEN}–{@link BID_AUTH_MAX_CAP_FEN}).
 *
 * Codes: `invalid_cap`, `invalid_minutes`, `no_session`, and those of `checkTradePassword`
 * (`not_set`, `wrong`, `locked`).
 */
export async function openBidAuthorisation(
  db: Db,
  input: {
    userId: string;
    sessionId: string | null;
    tradePassword: string;
    capFen: Fen;
    minutes?: number;
    ip: string | null;
  },
  options: { now?: Date } = {},
): Promise<OpenBidAuthorisationResult> {
  const now = options.now ?? new Date();
  const minutes = input.minutes ?? BID_AUTH_DEFAULT_MINUTES;
  if (!input.sessionId) return { ok: false, code: "no_session" };
  if (input.capFen < BID_AUTH_MIN_CAP_FEN || input.capFen > BID_AUTH_MAX_CAP_FEN) {
    return { ok: false, code: "invalid_cap" };
  }
  if (!BID_AUTH_MINUTES_CHOICES.includes(minutes)) return { ok: false, code: "invalid_minutes" };
  const checked = await checkTradePassword(db, {
    userId: input.userId,
    password: input.tradePassword,
    ip: input.ip,
  }, {
    now,
  });
  if (!checked.ok) return checked;
  const sessionHash = await hashSessionId(input.sessionId);
  const expiresAt = new Date(now.getTime() + minutes * 60_000);
  return await transaction(db, async (tx): Promise<OpenBidAuthorisationResult> => {
    await tx`
      update bid_authorisations set closed_at = ${now}
      where user_id = ${input.userId} and session_hash = ${sessionHash} and closed_at is null`;
    const [row] = await tx<Row[]>`
      insert into bid_authorisations (user_id, session_hash, cap_fen, expires_at, created_at)
      values (${input.userId}, ${sessionHash}, ${input.capFen}, ${expiresAt}, ${now})
      returning id, cap_fen as "capFen", used_fen as "usedFen", expires_at as "expiresAt",
                created_at as "createdAt"`;
    return { ok: true, authorisation: toAuthorisation(row) };
  });
}

/** The session's open window, or `null`. */
export async function currentBidAuthorisation(
  db: Queryable,
  input: { userId: string; sessionId: string | null },
  now: Date = new Date(),
): Promise<BidAuthorisation | null> {
  if (!input.sessionId) return null;
  const sessionHash = await hashSessionId(input.sessionId);
  const [row] = await db<Row[]>`
    select id, cap_fen as "capFen", used_fen as "usedFen", expires_at as "expiresAt", created_at as "createdAt"
    from bid_authorisations
    where user_id = ${input.userId} and session_hash = ${sessionHash} and closed_at is null
      and expires_at > ${now}
    order by id desc limit 1`;
  return row ? toAuthorisation(row) : null;
}

/** The command 关闭投标授权: close the session's open window. Returns whether one was open. */
export async function closeBidAuthorisation(
  db: Db,
  input: { userId: string; sessionId: string | null },
  now: Date = new Date(),
): Promise<{ closed: boolean }> {
  if (!input.sessionId) return { closed: false };
  const sessionHash = await hashSessionId(input.sessionId);
  return await transaction(db, async (tx) => {
    const rows = await tx`
      update bid_authorisations set closed_at = ${now}
      where user_id = ${input.userId} and session_hash = ${sessionHash} and closed_at is null
        and expires_at > ${now}
      returning id`;
    return { closed: rows.length > 0 };
  });
}

/** Outcome of {@link consumeBidAuthorisation}. */
export type ConsumeBidAuthorisationResult =
  | { ok: true; authorisationId: string; remainingFen: Fen }
  | { ok: false; code: "no_authorisation" | "exceeds_cap" | "invalid_amount" };

/**
 * The statement that takes `amountFen` from authorisation `id` — never past its cap, only while it is open
 * and unexpired at `now` — returning `cap_fen - used_fen as remaining` (no row: it did not fit). A
 * fragment: {@link consumeBidAuthorisation} awaits it; placeBid embeds it in its one write statement.
 */
export function useBidAuthorisation(
  tx: Tx,
  use: { id: string; amountFen: Fen; now: Date },
): postgres.PendingQuery<{ id: string; remaining: bigint }[]> {
  return tx<{ id: string; remaining: bigint }[]>`
    update bid_authorisations set used_fen = used_fen + ${use.amountFen}
    where id = ${use.id} and closed_at is null and expires_at > ${use.now}
      and used_fen + ${use.amountFen} <= cap_fen
    returning id, cap_fen - used_fen as remaining`;
}

/**
 * Use `amountFen` of the session's open window, inside the bid's transaction (rolled back with it). One
 * conditional update (`used_fen + amount <= cap_fen`, open, not expired), so concurrent bids can never
 * together exceed the cap.
 *
 * Codes: `no_authorisation` (none open for this session, expired or closed), `exceeds_cap` (not enough
 * left: ask for the trade password), `invalid_amount` (not positive).
 */
export async function consumeBidAuthorisation(
  tx: Tx,
  input: { userId: string; sessionId: string | null; amountFen: Fen },
  now: Date = new Date(),
): Promise<ConsumeBidAuthorisationResult> {
  if (input.amountFen <= 0n) return { ok: false, code: "invalid_amount" };
  if (!input.sessionId) return { ok: false, code: "no_authorisation" };
  const sessionHash = await hashSessionId(input.sessionId);
  const [open] = await tx<{ id: string }[]>`
    select id from bid_authorisations
    where user_id = ${input.userId} and session_hash = ${sessionHash} and closed_at is null
      and expires_at > ${now}
    order by id desc limit 1`;
  if (!open) return { ok: false, code: "no_authorisation" };
  const [row] = await useBidAuthorisation(tx, { id: open.id, amountFen: input.amountFen, now });
  if (!row) return { ok: false, code: "exceeds_cap" };
  return { ok: true, authorisationId: open.id, remainingFen: BigInt(row.remaining) };
}
