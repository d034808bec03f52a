/**
 * Bank cards (银行卡): a verified user binds debit cards in their own name, for withdrawals. Adding a card
 * checks the number (Luhn, a supported bank from the BIN table) and the reserved phone, asks for the
 * login password or an SMS code again (even inside a session), then runs the custody bank's four-element check (name, ID
 * number, card number, reserved phone) *before* its transaction. Cards are stored encrypted with a keyed
 * hash; a card number is bound to at most one user; the first card becomes the default. Removing a card
 * also asks for one of them and is refused while a withdrawal to it is pending.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { normalizePhone } from "../accounts/phone.ts";
import { cardTail, maskBankCard, type PiiCipher } from "../accounts/pii.ts";
import { consumeQuota, type QuotaRule } from "../accounts/rate_limit.ts";
import { loginPasswordProblem, userPhone } from "../accounts/reauth.ts";
import { SMS_CODE_MESSAGES, verifySmsCode } from "../accounts/sms_code.ts";
import type { CustodyGateway } from "../gateways/custody.ts";
import { notify } from "../messaging/notifications.ts";
import { isId } from "../shared/ids.ts";
import { CARD_NUMBER_MESSAGES, checkCardNumber } from "./bank_bin.ts";
import { getVerifiedIdentity, isUniqueViolation } from "./identity.ts";

/** Most active cards a user may bind. */
export const MAX_ACTIVE_CARDS = 5;
/** Four-element checks per user: at most 10 per 24 hours. */
export const CARD_CHECK_QUOTA: QuotaRule = { limit: 10, windowSeconds: 24 * 3600 };

/**
 * How the user proves it is them again, inside the session: the login password, or an SMS code (purpose
 * `reauth`, sent to the account's own phone with `sendOwnSmsCode`).
 */
export type ReauthProof = { method: "login_password"; password: string } | { method: "sms"; smsCode: string };

/** The field a failed proof is reported at. */
export type ReauthField = "password" | "smsCode";

/**
 * Check a proof before the command's slow work. A password is checked (rate-limited, lockout); an SMS code
 * is only checked here (`consume: false`, a wrong guess counts) and used up by {@link consumeReauth} inside
 * the command's transaction, so it is spent only if the change commits.
 */
export async function checkReauth(
  db: Db,
  input: { userId: string; proof: ReauthProof },
  deps: { pii: PiiCipher; now: Date },
): Promise<{ ok: true } | { ok: false; fields: Partial<Record<ReauthField, string[]>> }> {
  const proof = input.proof;
  if (proof.method === "login_password") {
    if (proof.password === "") return { ok: false, fields: { password: ["请输入登录密码"] } };
    const wrong = await loginPasswordProblem(
      db,
      { userId: input.userId, password: proof.password, field: "password" },
      deps.now,
    );
    return wrong ? { ok: false, fields: wrong.fields } : { ok: true };
  }
  if (!/^\d{6}$/.test(proof.smsCode)) {
    return { ok: false, fields: { smsCode: ["请输入 6 位数字短信验证码"] } };
  }
  const phone = await userPhone(db, deps.pii, input.userId);
  if (!phone) return { ok: false, fields: { smsCode: [SMS_CODE_MESSAGES.invalid_code] } };
  const r = await verifySmsCode(db, { phone, purpose: "reauth", code: proof.smsCode }, {
    cipher: deps.pii,
    now: deps.now,
    consume: false,
  });
  return r.ok ? r : { ok: false, fields: { smsCode: [SMS_CODE_MESSAGES[r.code]] } };
}

/** Use up an SMS proof inside the command's transaction (a password proof needs nothing). */
async function consumeReauth(
  tx: Tx,
  input: { userId: string; proof: ReauthProof },
  deps: { pii: PiiCipher; now: Date },
): Promise<{ ok: true } | { ok: false; fields: Partial<Record<ReauthField, string[]>> }> {
  if (input.proof.method !== "sms") return { ok: true };
  const phone = await userPhone(tx, deps.pii, input.userId);
  const r = phone
    ? await verifySmsCode(tx, { phone, purpose: "reauth", code: input.proof.smsCode }, {
      cipher: deps.pii,
      now: deps.now,
    })
    : { ok: false as const, code: "invalid_code" as const };
  return r.ok ? r : { ok: false, fields: { smsCode: [SMS_CODE_MESSAGES[r.code]] } };
}

/** The keyed hash of a normalised card number (`bank_cards.card_number_hash`). */
export function cardNumberHash(pii: PiiCipher, cardNumber: string): Promise<string> {
  return pii.hash(`card:${cardNumber}`);
}

/** One active card as lists show it (never the full number). */
export interface BankCardRow {
  id: string;
  bankCode: string;
  bankName: string;
  last4: string;
  /** `6222 **** **** 1234`. */
  masked: string;
  /** `尾号 1234`. */
  tail: string;
  isDefault: boolean;
  createdAt: Date;
}

/** A user's active cards, the default first, then newest first. */
export async function listActiveCards(db: Queryable, userId: string): Promise<BankCardRow[]> {
  if (!isId(userId)) return [];
  const rows = await db<{
    id: string;
    bankCode: string;
    bankName: string;
    bin: string;
    last4: string;
    isDefault: boolean;
    createdAt: Date;
  }[]>`
    select id, bank_code as "bankCode", bank_name as "bankName", card_bin as bin, last4,
      is_default as "isDefault", created_at as "createdAt"
    from bank_cards where user_id = ${userId} and status = 'active'
    order by is_default desc, id desc`;
  return rows.map(({ bin, ...r }) => ({
    ...r,
    masked: maskBankCard(`${bin}000000${r.last4}`),
    tail: cardTail(r.last4),
  }));
}

/** One active card of a user (for the withdrawal form's check), or `null`. */
export async function getActiveCard(
  db: Queryable,
  userId: string,
  cardId: string,
): Promise<BankCardRow | null> {
  if (!isId(cardId)) return null;
  return (await listActiveCards(db, userId)).find((c) => c.id === cardId) ?? null;
}

/** The form fields of adding a card. */
export type CardField = "cardNumber" | "reservedPhone" | ReauthField;

/**
 * Outcome of {@link addBankCard}. Codes:
 * - `invalid_input`: a field is wrong (`fields`: the message next to it — Luhn, unsupported bank, phone,
 *   wrong or locked password);
 * - `not_verified`: real-name verification comes first;
 * - `card_taken`: the card is bound to another account; `already_bound`: to this one;
 * - `too_many_cards`: {@link MAX_ACTIVE_CARDS} already;
 * - `throttled`: too many four-element checks today;
 * - `mismatch` / `unsupported_bank` / `unavailable`: the custody bank's four-element check said so.
 */
export type AddBankCardResult =
  | { ok: true; cardId: string }
  | { ok: false; code: "invalid_input"; fields: Partial<Record<CardField, string[]>> }
  | {
    ok: false;
    code:
      | "not_verified"
      | "card_taken"
      | "already_bound"
      | "too_many_cards"
      | "throttled"
      | "mismatch"
      | "unsupported_bank"
      | "unavailable";
    message: string;
  };

/** Chinese messages of the card commands. */
export const BANK_CARD_MESSAGES = {
  not_verified: "请先完成实名认证，再绑定本人银行卡",
  card_taken: "该银行卡已被其他账户绑定",
  already_bound: "该银行卡已绑定在您的账户中",
  too_many_cards: `最多绑定 ${MAX_ACTIVE_CARDS} 张银行卡，请先解绑不用的卡`,
  throttled: "今日银行卡验证次数过多，请明天再试",
  mismatch: "银行卡信息验证未通过：持卡人姓名、身份证号、卡号与预留手机号不一致",
  unsupported_bank: "存管银行不支持该卡，请换一张借记卡",
  unavailable: "银行卡验证服务暂时不可用，请稍后再试",
  not_found: "银行卡不存在或已解绑",
  withdrawal_pending: "该卡有正在处理的提现，提现完成后才能解绑",
  reserved_phone: "请输入银行预留的 11 位手机号码",
} as const;

/** What the card commands need besides the database. */
export interface BankCardDeps {
  pii: PiiCipher;
  outbox: Outbox;
  gateways: { custody: CustodyGateway };
  now?: Date;
}

/** Add a card (see the module comment). The four-element check runs before the transaction. */
export async function addBankCard(
  db: Db,
  input: { userId: string; cardNumber: string; reservedPhone: string; proof: ReauthProof },
  deps: BankCardDeps,
): Promise<AddBankCardResult> {
  const now = deps.now ?? new Date();
  const fields: Partial<Record<CardField, string[]>> = {};
  const card = checkCardNumber(input.cardNumber);
  if (!card.ok) fields.cardNumber = [CARD_NUMBER_MESSAGES[card.problem]];
  const phone = normalizePhone(input.reservedPhone);
  if (!phone) fields.reservedPhone = [BANK_CARD_MESSAGES.reserved_phone];
  if (input.proof.method === "login_password" && input.proof.password === "") {
    fields.password = ["请输入登录密码"];
  }
  if (input.proof.method === "sms" && !/^\d{6}$/.test(input.proof.smsCode)) {
    fields.smsCode = ["请输入 6 位数字短信验证码"];
  }
  if (!card.ok || !phone || fields.password || fields.smsCode) {
    return { ok: false, code: "invalid_input", fields };
  }

  const identity = await getVerifiedIdentity(db, deps.pii, input.userId);
  if (!identity) return { ok: false, code: "not_verified", message: BANK_CARD_MESSAGES.not_verified };

  const reauth = await checkReauth(db, { userId: input.userId, proof: input.proof }, { pii: deps.pii, now });
  if (!reauth.ok) return { ok: false, code: "invalid_input", fields: reauth.fields };

  const cardHash = await cardNumberHash(deps.pii, card.cardNumber);
  const [bound] = await db<{ userId: string }[]>`
    select user_id as "userId" from bank_cards where card_number_hash = ${cardHash} and status = 'active'`;
  if (bound) {
    return bound.userId === input.userId
      ? { ok: false, code: "already_bound", message: BANK_CARD_MESSAGES.already_bound }
      : { ok: false, code: "card_taken", message: BANK_CARD_MESSAGES.card_taken };
  }
  const [count] = await db<{ n: bigint }[]>`
    select count(*) as n from bank_cards where user_id = ${input.userId} and status = 'active'`;
  if (BigInt(count.n) >= BigInt(MAX_ACTIVE_CARDS)) {
    return { ok: false, code: "too_many_cards", message: BANK_CARD_MESSAGES.too_many_cards };
  }
  const quota = await transaction(
    db,
    (tx) => consumeQuota(tx, `card_check:${input.userId}`, CARD_CHECK_QUOTA, now),
  );
  if (!quota.ok) return { ok: false, code: "throttled", message: BANK_CARD_MESSAGES.throttled };

  const verified = await deps.gateways.custody.verifyCard({
    realName: identity.realName,
    idNumber: identity.idNumber,
    cardNumber: card.cardNumber,
    reservedPhone: phone,
  });
  if (!verified.ok) return { ok: false, code: verified.code, message: BANK_CARD_MESSAGES[verified.code] };

  const cardEnc = await deps.pii.encrypt(card.cardNumber);
  const phoneEnc = await deps.pii.encrypt(phone);
  try {
    return await transaction(db, async (tx, rollback): Promise<AddBankCardResult> => {
      // serialise the user's card changes (the count and the default)
      await tx`select id from users where id = ${input.userId} for update`;
      const spent = await consumeReauth(tx, { userId: input.userId, proof: input.proof }, {
        pii: deps.pii,
        now,
      });
      if (!spent.ok) return rollback({ ok: false, code: "invalid_input", fields: spent.fields });
      const [n] = await tx<{ n: bigint; defaults: bigint }[]>`
        select count(*) as n, count(*) filter (where is_default) as defaults
        from bank_cards where user_id = ${input.userId} and status = 'active'`;
      if (BigInt(n.n) >= BigInt(MAX_ACTIVE_CARDS)) {
        return { ok: false, code: "too_many_cards", message: BANK_CARD_MESSAGES.too_many_cards };
      }
      const [row] = await tx<{ id: string }[]>`
        insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
                                reserved_phone_enc, is_default, created_at)
        values (${input.userId}, ${cardEnc}, ${cardHash}, ${card.cardNumber.slice(0, 6)},
                ${card.cardNumber.slice(-4)}, ${card.bank.code}, ${card.bank.name}, ${phoneEnc},
                ${BigInt(n.defaults) === 0n}, ${now})
        returning id`;
      await notify(tx, deps.outbox, {
        userId: input.userId,
        kind: "generic",
        key: `card-added-${row.id}`,
        payload: {
          title: "银行卡绑定成功",
          body: `您已绑定${card.bank.name}借记卡（${
            cardTail(card.cardNumber)
          }）。如非本人操作，请立即联系客服。`,
        },
      });
      return { ok: true, cardId: row.id };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      return { ok: false, code: "card_taken", message: BANK_CARD_MESSAGES.card_taken };
    }
    throw error;
  }
}

/** Outcome of {@link setDefaultCard}. */
export type SetDefaultCardResult = { ok: true } | { ok: false; code: "not_found"; message: string };

/** Make one of the user's active cards the default (the others lose it). */
export async function setDefaultCard(
  db: Db,
  input: { userId: string; cardId: string },
): Promise<SetDefaultCardResult> {
  const notFound = { ok: false, code: "not_found", message: BANK_CARD_MESSAGES.not_found } as const;
  if (!isId(input.cardId)) return notFound;
  return await transaction(db, async (tx): Promise<SetDefaultCardResult> => {
    await tx`select id from users where id = ${input.userId} for update`;
    const [card] = await tx`
      select id from bank_cards where id = ${input.cardId} and user_id = ${input.userId} and status = 'active'`;
    if (!card) return notFound;
    await tx`update bank_cards set is_default = false
             where user_id = ${input.userId} and is_default and id <> ${input.cardId}`;
    await tx`update bank_cards set is_default = true where id = ${input.cardId}`;
    return { ok: true };
  });
}

/**
 * Outcome of {@link removeBankCard}: `invalid_input` (the password), `not_found`, `withdrawal_pending`
 * (a withdrawal to this card is pending review, approved or processing).
 */
export type RemoveBankCardResult =
  | { ok: true }
  | { ok: false; code: "invalid_input"; fields: Partial<Record<ReauthField, string[]>> }
  | { ok: false; code: "not_found" | "withdrawal_pending"; message: string };

/**
 * Remove (unbind) a card after the login password is checked again. Refused while a withdrawal to it is
 * pending (the `withdrawals` table, when it exists). When the default card goes, the newest other card
 * becomes the default.
 */
export async function removeBankCard(
  db: Db,
  input: { userId: string; cardId: string; proof: ReauthProof },
  deps: { pii: PiiCipher; outbox: Outbox; now?: Date },
): Promise<RemoveBankCardResult> {
  const now = deps.now ?? new Date();
  const notFound = { ok: false, code: "not_found", message: BANK_CARD_MESSAGES.not_found } as const;
  if (!isId(input.cardId)) return notFound;
  const reauth = await checkReauth(db, { userId: input.userId, proof: input.proof }, { pii: deps.pii, now });
  if (!reauth.ok) return { ok: false, code: "invalid_input", fields: reauth.fields };
  const [hasWithdrawals] = await db<{ present: boolean }[]>`
    select to_regclass('withdrawals') is not null as present`;
  return await transaction(db, async (tx, rollback): Promise<RemoveBankCardResult> => {
    await tx`select id from users where id = ${input.userId} for update`;
    const spent = await consumeReauth(tx, { userId: input.userId, proof: input.proof }, {
      pii: deps.pii,
      now,
    });
    if (!spent.ok) return rollback({ ok: false, code: "invalid_input", fields: spent.fields });
    const [card] = await tx<{ id: string; isDefault: boolean; bankName: string; last4: string }[]>`
      select id, is_default as "isDefault", bank_name as "bankName", last4 from bank_cards
      where id = ${input.cardId} and user_id = ${input.userId} and status = 'active' for update`;
    if (!card) return notFound;
    if (hasWithdrawals.present) {
      const [pending] = await tx`
        select 1 from withdrawals
        where card_id = ${card.id} and status in ('pending_review', 'approved', 'processing') limit 1`;
      if (pending) {
        return { ok: false, code: "withdrawal_pending", message: BANK_CARD_MESSAGES.withdrawal_pending };
      }
    }
    await tx`update bank_cards set status = 'removed', is_default = false, removed_at = ${now}
             where id = ${card.id}`;
    if (card.isDefault) {
      await tx`
        update bank_cards set is_default = true where id = (
          select id from bank_cards where user_id = ${input.userId} and status = 'active'
          order by id desc limit 1)`;
    }
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      key: `card-removed-${card.id}`,
      payload: {
        title: "银行卡已解绑",
        body: `您的${card.bankName}借记卡（${cardTail(card.last4)}）已解绑。如非本人操作，请立即联系客服。`,
      },
    });
    return { ok: true };
  });
}

/**
 * The full card number and reserved phone of one of a user's active cards (decrypted) — for the
 * withdrawal instruction to the custody bank. `null` when the card is not the user's active card.
 */
export async function getCardSecrets(
  db: Queryable,
  pii: PiiCipher,
  input: { userId: string; cardId: string },
): Promise<{ cardNumber: string; reservedPhone: string; bankCode: string } | null> {
  if (!isId(input.cardId)) return null;
  const [row] = await db<{ cardEnc: Uint8Array; phoneEnc: Uint8Array; bankCode: string }[]>`
    select card_number_enc as "cardEnc", reserved_phone_enc as "phoneEnc", bank_code as "bankCode"
    from bank_cards where id = ${input.cardId} and user_id = ${input.userId} and status = 'active'`;
  if (!row) return null;
  return {
    cardNumber: await pii.decrypt(row.cardEnc),
    reservedPhone: await pii.decrypt(row.phoneEnc),
    bankCode: row.bankCode,
  };
}
