/**
 * Real-name verification (实名认证): a user proves that a name and an 18-digit ID number are theirs. The
 * local checks run first (GB 11643 checksum, date of birth, age ≥ 18, region code, a Chinese name), then
 * the identity gateway — outside any transaction — and then one transaction records the outcome:
 * - passed: the user's identity (encrypted, with keyed hashes) and the custody sub-account in `opening`,
 *   with the outbox event `custody.open_account` whose handler ({@link deliverCustodyOpenAccount}) asks the
 *   bank to open it;
 * - `mismatch` / `needs_review`: a real-name exception in the staff KYC queue (`identity_reviews`, one
 *   pending per user), decided by {@link decideIdentityReview};
 * - `not_found` / `unavailable`: nothing is stored.
 *
 * An ID number verifies one user only (`users.id_number_hash` is unique). Attempts that reach the gateway
 * are limited per user ({@link IDENTITY_ATTEMPT_QUOTA}) and per ID number ({@link IDENTITY_NUMBER_QUOTA}).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { consumeQuotas, type QuotaRule } from "../accounts/rate_limit.ts";
import type { IdentityGateway } from "../gateways/identity.ts";
import type { CustodyGateway } from "../gateways/custody.ts";
import { notify } from "../messaging/notifications.ts";
import { onInviteeMilestone } from "../investor/referral.ts";
import { appendAudit } from "../staff/audit_log.ts";
import type { Permission } from "../staff/permissions.ts";
import { isId } from "../shared/ids.ts";
import { checkIdNumber, checkRealName, ID_NUMBER_MESSAGES, REAL_NAME_MESSAGES } from "./id_number.ts";

/** Outbox topic that opens a verified user's custody sub-account; payload `{ userId }`. */
export const CUSTODY_OPEN_ACCOUNT_TOPIC = "custody.open_account";

/** The staff permission of the KYC queues. */
export const KYC_PERMISSION: Permission = "kyc.review";

/** Verification attempts that reach the identity gateway: at most 5 per user per 24 hours. */
export const IDENTITY_ATTEMPT_QUOTA: QuotaRule = { limit: 5, windowSeconds: 24 * 3600 };

/** Verification attempts of one ID number, from any accounts: at most 10 per 24 hours. */
export const IDENTITY_NUMBER_QUOTA: QuotaRule = { limit: 10, windowSeconds: 24 * 3600 };

/** The keyed hash of a normalised ID number (`users.id_number_hash`; the staff search uses the same). */
export function idNumberHash(pii: PiiCipher, idNumber: string): Promise<string> {
  return pii.hash(`id:${idNumber}`);
}

/** The keyed hash of a verified real name (`users.real_name_hash`, for the staff search by name). */
export function realNameHash(pii: PiiCipher, realName: string): Promise<string> {
  return pii.hash(`name:${realName}`);
}

/** The fields of the verification form. */
export type IdentityField = "realName" | "idNumber";

/**
 * Outcome of {@link verifyIdentity}. Codes:
 * - `invalid_input`: a local check failed (`fields` has the Chinese message next to each field);
 * - `already_verified`: the user is verified already;
 * - `id_number_taken`: another account is verified with this ID number;
 * - `throttled`: too many attempts (`retryAfterSeconds`);
 * - `mismatch`: the gateway says the name does not belong to the ID number (an exception is queued);
 * - `pending_review`: the gateway asks for a manual review (queued; the user hears the result);
 * - `not_found`: no such ID number;
 * - `unavailable`: the gateway could not be reached — try again later;
 * - `account_inactive`: the account is not active.
 */
export type VerifyIdentityResult =
  | { ok: true }
  | { ok: false; code: "invalid_input"; fields: Partial<Record<IdentityField, string[]>> }
  | { ok: false; code: "throttled"; retryAfterSeconds: number }
  | {
    ok: false;
    code:
      | "already_verified"
      | "id_number_taken"
      | "mismatch"
      | "pending_review"
      | "not_found"
      | "unavailable"
      | "account_inactive";
  };

/** Chinese messages of {@link verifyIdentity}'s failures (besides `invalid_input`). */
export const VERIFY_IDENTITY_MESSAGES = {
  already_verified: "您已完成实名认证，无需重复认证",
  id_number_taken: "该身份证号码已被其他账户认证。如有疑问请联系客服",
  throttled: (seconds: number) => `认证尝试次数过多，请 ${Math.max(1, Math.ceil(seconds / 3600))} 小时后再试`,
  mismatch: "姓名与身份证号码不一致，请核对后重新输入（已记录，如确认无误可等待人工审核）",
  pending_review: "身份核验需要人工审核，已提交审核，结果将通过消息通知您",
  not_found: "身份信息核验未通过：查无此身份证号码，请核对",
  unavailable: "实名核验服务暂时不可用，请稍后再试",
  account_inactive: "账户状态异常，暂不能实名认证",
} as const;

/** The message of a failed verification (not `invalid_input`). */
export function verifyIdentityMessage(
  result: Exclude<VerifyIdentityResult, { ok: true } | { code: "invalid_input" }>,
): string {
  if (result.code === "throttled") return VERIFY_IDENTITY_MESSAGES.throttled(result.retryAfterSeconds);
  return VERIFY_IDENTITY_MESSAGES[result.code];
}

/** What verification needs besides the database. */
export interface IdentityDeps {
  pii: PiiCipher;
  outbox: Outbox;
  gateways: { identity: IdentityGateway };
  now?: Date;
}

/** Whether an error is Postgres' unique violation. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "23505";
}

/** Local checks of the form: the normalised name and ID number, or the field messages. */
export function checkIdentityInput(
  input: { realName: string; idNumber: string },
  at: Date,
): { ok: true; realName: string; idNumber: string } | {
  ok: false;
  fields: Partial<Record<IdentityField, string[]>>;
} {
  const fields: Partial<Record<IdentityField, string[]>> = {};
  const name = checkRealName(input.realName);
  if (!name.ok) fields.realName = [REAL_NAME_MESSAGES[name.problem]];
  const id = checkIdNumber(input.idNumber, at);
  if (!id.ok) fields.idNumber = [ID_NUMBER_MESSAGES[id.problem]];
  if (!name.ok || !id.ok) return { ok: false, fields };
  return { ok: true, realName: name.name, idNumber: id.value.idNumber };
}

/** Write a verified identity on the user and start opening the custody account, in `tx`. */
async function recordVerifiedIdentity(
  tx: Tx,
  input: {
    userId: string;
    realNameEnc: Uint8Array;
    idNumberEnc: Uint8Array;
    idHash: string;
    nameHash: string;
    at: Date;
  },
  outbox: Outbox,
): Promise<void> {
  await tx`
    update users set real_name_enc = ${input.realNameEnc}, id_number_enc = ${input.idNumberEnc},
      id_number_hash = ${input.idHash}, real_name_hash = ${input.nameHash}, identity_verified_at = ${input.at}
    where id = ${input.userId}`;
  await tx`
    insert into custody_accounts (user_id, status) values (${input.userId}, 'opening')
    on conflict (user_id) do nothing`;
  await outbox.publish(tx, {
    topic: CUSTODY_OPEN_ACCOUNT_TOPIC,
    payload: { userId: input.userId },
    dedupeKey: `${CUSTODY_OPEN_ACCOUNT_TOPIC}:${input.userId}`,
  });
  await notify(tx, outbox, {
    userId: input.userId,
    kind: "generic",
    key: "identity-verified",
    payload: {
      title: "实名认证成功",
      body: "您已完成实名认证，银行存管账户正在开通中。下一步请绑定本人银行卡。",
    },
  }); // an inviter's reward for this milestone, when the staff's rule grants one (credited once)
  await onInviteeMilestone(tx, outbox, { inviteeId: input.userId, milestone: "identity_verified" });
}

/**
 * Verify the signed-in user's identity (see the module comment). Calls the identity gateway before its
 * transaction; on success publishes `custody.open_account` and a notification in the same transaction.
 */
export async function verifyIdentity(
  db: Db,
  input: { userId: string; realName: string; idNumber: string },
  deps: IdentityDeps,
): Promise<VerifyIdentityResult> {
  const now = deps.now ?? new Date();
  const checked = checkIdentityInput(input, now);
  if (!checked.ok) return { ok: false, code: "invalid_input", fields: checked.fields };
  const { realName, idNumber } = checked;
  const idHash = await idNumberHash(deps.pii, idNumber);

  const [user] = await db<{ status: string; verified: boolean }[]>`
    select status, identity_verified_at is not null as verified from users where id = ${input.userId}`;
  if (!user || user.status !== "active") return { ok: false, code: "account_inactive" };
  if (user.verified) return { ok: false, code: "already_verified" };
  const [taken] = await db`select 1 from users where id_number_hash = ${idHash} and id <> ${input.userId}`;
  if (taken) return { ok: false, code: "id_number_taken" };

  // per user, and per ID number across accounts (no probing of one number's name from many accounts)
  type Quota = { ok: true } | { ok: false; retryAfterSeconds: number };
  const quota = await transaction(db, async (tx, rollback): Promise<Quota> => {
    const q = await consumeQuotas(tx, [
      [`identity:${input.userId}`, IDENTITY_ATTEMPT_QUOTA],
      [`identity_id:${idHash}`, IDENTITY_NUMBER_QUOTA],
    ], now);
    return q.ok ? q : rollback(q);
  });
  if (!quota.ok) return { ok: false, code: "throttled", retryAfterSeconds: quota.retryAfterSeconds };

  const answer = await deps.gateways.identity.check({
    realName,
    idNumber,
    requestId: `identity:${input.userId}:${crypto.randomUUID()}`,
  });
  if (!answer.ok && (answer.code === "not_found" || answer.code === "unavailable")) {
    return { ok: false, code: answer.code };
  }
  const realNameEnc = await deps.pii.encrypt(realName);
  const idNumberEnc = await deps.pii.encrypt(idNumber);
  const nameHash = await realNameHash(deps.pii, realName);
  try {
    return await transaction(db, async (tx): Promise<VerifyIdentityResult> => {
      const [row] = await tx<{ verified: boolean }[]>`
        select identity_verified_at is not null as verified from users where id = ${input.userId} for update`;
      if (!row) return { ok: false, code: "account_inactive" };
      if (row.verified) return { ok: false, code: "already_verified" };
      if (answer.ok) {
        const [other] =
          await tx`select 1 from users where id_number_hash = ${idHash} and id <> ${input.userId}`;
        if (other) return { ok: false, code: "id_number_taken" };
        await recordVerifiedIdentity(tx, {
          userId: input.userId,
          realNameEnc,
          idNumberEnc,
          idHash,
          nameHash,
          at: now,
        }, deps.outbox);
        await tx`update identity_reviews set status = 'superseded'
                 where user_id = ${input.userId} and status = 'pending'`;
        return { ok: true };
      }
      // an exception for the staff queue: one pending per user (the latest attempt)
      await tx`update identity_reviews set status = 'superseded'
               where user_id = ${input.userId} and status = 'pending'`;
      await tx`
        insert into identity_reviews (user_id, real_name_enc, id_number_enc, id_number_hash, gateway_code,
                                      gateway_message, created_at)
        values (${input.userId}, ${realNameEnc}, ${idNumberEnc}, ${idHash}, ${answer.code}, ${answer.message},
                ${now})`;
      return { ok: false, code: answer.code === "mismatch" ? "mismatch" : "pending_review" };
    });
  } catch (error) {
    // two accounts verifying the same ID number at once: the unique index lets one win
    if (isUniqueViolation(error)) return { ok: false, code: "id_number_taken" };
    throw error;
  }
}

/** Whether a user has passed real-name verification. */
export async function isIdentityVerified(db: Queryable, userId: string): Promise<boolean> {
  if (!isId(userId)) return false;
  const [row] = await db`select 1 from users where id = ${userId} and identity_verified_at is not null`;
  return !!row;
}

/** A user's verified identity (decrypted), or `null` when the user is not verified. */
export async function getVerifiedIdentity(
  db: Queryable,
  pii: PiiCipher,
  userId: string,
): Promise<{ realName: string; idNumber: string; verifiedAt: Date } | null> {
  if (!isId(userId)) return null;
  const [row] = await db<{ realNameEnc: Uint8Array; idNumberEnc: Uint8Array; verifiedAt: Date }[]>`
    select real_name_enc as "realNameEnc", id_number_enc as "idNumberEnc", identity_verified_at as "verifiedAt"
    from users where id = ${userId} and identity_verified_at is not null`;
  if (!row) return null;
  return {
    realName: await pii.decrypt(row.realNameEnc),
    idNumber: await pii.decrypt(row.idNumberEnc),
    verifiedAt: row.verifiedAt,
  };
}

/** The custody sub-account of a user as we know it. */
export interface CustodyAccountRow {
  accountNo: string | null;
  status: "opening" | "open" | "failed";
  failureReason: string | null;
  openedAt: Date | null;
}

/** A user's custody sub-account row, or `null` (not verified yet). */
export async function getCustodyAccount(db: Queryable, userId: string): Promise<CustodyAccountRow | null> {
  if (!isId(userId)) return null;
  const [row] = await db<CustodyAccountRow[]>`
    select account_no as "accountNo", status, failure_reason as "failureReason", opened_at as "openedAt"
    from custody_accounts where user_id = ${userId}`;
  return row ?? null;
}

/** What the identity page shows. */
export interface IdentityStatus {
  verified: { realName: string; idNumber: string; verifiedAt: Date } | null;
  custody: CustodyAccountRow | null;
  /** The pending real-name exception, if any (the user waits for staff). */
  pendingReview: { createdAt: Date; gatewayCode: string } | null;
  /** The latest decided exception when the user is not verified (e.g. a rejection with its reason). */
  lastRejection: { reason: string | null; reviewedAt: Date } | null;
}

/** The identity page's data for one user (personal data decrypted: mask it before showing). */
export async function identityStatus(db: Queryable, pii: PiiCipher, userId: string): Promise<IdentityStatus> {
  const verified = await getVerifiedIdentity(db, pii, userId);
  const custody = await getCustodyAccount(db, userId);
  const [pending] = await db<{ createdAt: Date; gatewayCode: string }[]>`
    select created_at as "createdAt", gateway_code as "gatewayCode" from identity_reviews
    where user_id = ${userId} and status = 'pending'`;
  const [rejected] = verified ? [] : await db<{ reason: string | null; reviewedAt: Date }[]>`
    select review_reason as reason, reviewed_at as "reviewedAt" from identity_reviews
    where user_id = ${userId} and status = 'rejected' order by id desc limit 1`;
  return { verified, custody, pendingReview: pending ?? null, lastRejection: rejected ?? null };
}

// ---------------------------------------------------------------------------------------------------------
// Opening the custody sub-account (outbox topic custody.open_account)

/** What the relay makes of one delivery (the shape of jobs/outbox_relay.ts's DeliveryOutcome). */
export type OpenAccountDelivery = { ok: true } | { ok: false; retry: boolean; error: string };

/**
 * Deliver one `custody.open_account` event: ask the bank to open the user's sub-account (idempotent per
 * user: the request id is `custody-open:<userId>`), then record the answer in `custody_accounts` (its own
 * short transaction). An account already open is left as it is; `unavailable` is retried; `rejected` marks
 * the account `failed` (final) and tells the user.
 */
export async function deliverCustodyOpenAccount(
  db: Db,
  payload: unknown,
  deps: { cipher: PiiCipher; outbox: Outbox; gateways: { custody: CustodyGateway } },
): Promise<OpenAccountDelivery> {
  const userId = (payload as { userId?: unknown } | null)?.userId;
  if (typeof userId !== "string" || !isId(userId)) {
    return { ok: false, retry: false, error: "malformed custody.open_account event" };
  }
  const current = await getCustodyAccount(db, userId);
  if (current?.status === "open") return { ok: true };
  const identity = await getVerifiedIdentity(db, deps.cipher, userId);
  if (!identity) return { ok: false, retry: false, error: "custody.open_account: user not verified" };
  const [user] = await db<
    { phoneEnc: Uint8Array }[]
  >`select phone_enc as "phoneEnc" from users where id = ${userId}`;
  const phone = await deps.cipher.decrypt(user.phoneEnc);
  const result = await deps.gateways.custody.openAccount({
    requestId: `custody-open:${userId}`,
    userId,
    realName: identity.realName,
    idNumber: identity.idNumber,
    phone,
  });
  if (!result.ok && result.code === "unavailable") {
    return { ok: false, retry: true, error: `custody.open_account: ${result.message}` };
  }
  await recordCustodyAccountResult(db, { userId, result }, { outbox: deps.outbox });
  return { ok: true };
}

/**
 * Record the bank's answer to opening a sub-account: `open` with its number, or `failed` with the reason
 * (the user is told). Idempotent: an account already open stays as it is.
 */
export async function recordCustodyAccountResult(
  db: Db,
  input: {
    userId: string;
    result: { ok: true; accountNo: string } | { ok: false; code: string; message: string };
  },
  deps: { outbox: Outbox },
): Promise<void> {
  await transaction(db, async (tx) => {
    const [row] = await tx<{ status: string }[]>`
      select status from custody_accounts where user_id = ${input.userId} for update`;
    if (row?.status === "open") return;
    const r = input.result;
    if (r.ok) {
      await tx`
        insert into custody_accounts (user_id, account_no, status, opened_at, updated_at)
        values (${input.userId}, ${r.accountNo}, 'open', now(), now())
        on conflict (user_id) do update set account_no = excluded.account_no, status = 'open',
          failure_reason = null, opened_at = excluded.opened_at, updated_at = now()`;
      await notify(tx, deps.outbox, {
        userId: input.userId,
        kind: "generic",
        key: "custody-opened",
        payload: { title: "银行存管账户已开通", body: "您的银行存管账户已开通，资金由存管银行保管。" },
      });
    } else {
      await tx`
        insert into custody_accounts (user_id, status, failure_reason, updated_at)
        values (${input.userId}, 'failed', ${r.message}, now())
        on conflict (user_id) do update set status = 'failed', failure_reason = excluded.failure_reason,
          updated_at = now()`;
      await notify(tx, deps.outbox, {
        userId: input.userId,
        kind: "generic",
        key: "custody-failed",
        payload: {
          title: "银行存管账户开通失败",
          body: `存管银行未能开通您的账户：${r.message}。请联系客服处理。`,
        },
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// The staff queue of real-name exceptions

/** One pending real-name exception (personal data masked by the caller). */
export interface IdentityReviewRow {
  id: string;
  userId: string;
  realName: string;
  idNumber: string;
  gatewayCode: "mismatch" | "needs_review";
  gatewayMessage: string;
  createdAt: Date;
}

/** Most rows a queue page lists. */
export const KYC_QUEUE_LIMIT = 100;

/** Pending real-name exceptions, oldest first (decrypted: mask before showing). */
export async function listPendingIdentityReviews(
  db: Queryable,
  pii: PiiCipher,
): Promise<IdentityReviewRow[]> {
  const rows = await db<(Omit<IdentityReviewRow, "realName" | "idNumber"> & {
    realNameEnc: Uint8Array;
    idNumberEnc: Uint8Array;
  })[]>`
    select id, user_id as "userId", real_name_enc as "realNameEnc", id_number_enc as "idNumberEnc",
      gateway_code as "gatewayCode", gateway_message as "gatewayMessage", created_at as "createdAt"
    from identity_reviews where status = 'pending' order by created_at, id limit ${KYC_QUEUE_LIMIT}`;
  const out: IdentityReviewRow[] = [];
  for (const { realNameEnc, idNumberEnc, ...r } of rows) {
    out.push({ ...r, realName: await pii.decrypt(realNameEnc), idNumber: await pii.decrypt(idNumberEnc) });
  }
  return out;
}

/** Longest staff reason. */
export const KYC_REASON_MAX_CHARS = 200;

/** Outcome of a staff decision in a KYC queue. */
export type KycDecisionResult =
  | { ok: true }
  | {
    ok: false;
    code: "forbidden" | "not_found" | "already_decided" | "already_verified" | "id_number_taken";
  }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of a failed decision. */
export const KYC_DECISION_MESSAGES = {
  forbidden: "无权操作",
  not_found: "记录不存在",
  already_decided: "该记录已处理",
  already_verified: "该用户已通过实名认证",
  id_number_taken: "该身份证号码已被其他账户认证，不能通过",
} as const;

/** Validate a decision and its reason (required for a rejection, optional for an approval). */
export function checkDecision(
  input: { id: string; decision: string; reason: string },
): { ok: true; decision: "approve" | "reject"; reason: string } | {
  ok: false;
  fields: Record<string, string[]>;
} {
  const fields: Record<string, string[]> = {};
  const reason = input.reason.trim();
  if (input.decision !== "approve" && input.decision !== "reject") fields.decision = ["请选择通过或驳回"];
  if (input.decision === "reject" && Array.from(reason).length < 2) {
    fields.reason = ["驳回须填写原因（至少 2 个字）"];
  }
  if (Array.from(reason).length > KYC_REASON_MAX_CHARS) fields.reason = ["原因最多 200 个字"];
  if (!isId(input.id)) fields.id = ["记录编号无效"];
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, decision: input.decision as "approve" | "reject", reason };
}

/**
 * A staff member decides a real-name exception (`kyc.review`). Approving verifies the user with the
 * submitted name and ID number (as a passed verification does: custody account, notification); rejecting
 * needs a reason, which the user is told. Audited as `kyc.identity.approve` / `kyc.identity.reject`.
 */
export async function decideIdentityReview(
  db: Db,
  input: { reviewId: string; decision: string; reason: string },
  actor: { staff: { id: string; permissions: ReadonlySet<string> }; ip: string | null },
  deps: { pii: PiiCipher; outbox: Outbox; now?: Date },
): Promise<KycDecisionResult> {
  if (!actor.staff.permissions.has(KYC_PERMISSION)) return { ok: false, code: "forbidden" };
  const checked = checkDecision({ id: input.reviewId, decision: input.decision, reason: input.reason });
  if (!checked.ok) return { ok: false, code: "invalid_input", fields: checked.fields };
  const now = deps.now ?? new Date();
  try {
    return await transaction(db, async (tx): Promise<KycDecisionResult> => {
      const [review] = await tx<{
        id: string;
        userId: string;
        status: string;
        realNameEnc: Uint8Array;
        idNumberEnc: Uint8Array;
        idHash: string;
      }[]>`
        select id, user_id as "userId", status, real_name_enc as "realNameEnc", id_number_enc as "idNumberEnc",
          id_number_hash as "idHash"
        from identity_reviews where id = ${input.reviewId} for update`;
      if (!review) return { ok: false, code: "not_found" };
      if (review.status !== "pending") return { ok: false, code: "already_decided" };
      if (checked.decision === "approve") {
        const [user] = await tx<{ verified: boolean }[]>`
          select identity_verified_at is not null as verified from users where id = ${review.userId} for update`;
        if (user?.verified) return { ok: false, code: "already_verified" };
        const [other] = await tx`
          select 1 from users where id_number_hash = ${review.idHash} and id <> ${review.userId}`;
        if (other) return { ok: false, code: "id_number_taken" };
        const realName = await deps.pii.decrypt(review.realNameEnc);
        await recordVerifiedIdentity(tx, {
          userId: review.userId,
          realNameEnc: new Uint8Array(review.realNameEnc),
          idNumberEnc: new Uint8Array(review.idNumberEnc),
          idHash: review.idHash,
          nameHash: await realNameHash(deps.pii, realName),
          at: now,
        }, deps.outbox);
      } else {
        await notify(tx, deps.outbox, {
          userId: review.userId,
          kind: "generic",
          key: `identity-review-${review.id}`,
          payload: {
            title: "实名认证未通过",
            body: `您提交的实名认证未通过人工审核，原因：${checked.reason}。请核对后重新认证。`,
          },
        });
      }
      await tx`
        update identity_reviews set status = ${checked.decision === "approve" ? "approved" : "rejected"},
          reviewed_by = ${actor.staff.id}, review_reason = ${checked.reason || null}, reviewed_at = ${now}
        where id = ${review.id}`;
      await appendAudit(tx, {
        staffId: actor.staff.id,
        action: checked.decision === "approve" ? "kyc.identity.approve" : "kyc.identity.reject",
        target: `user:${review.userId}`,
        detail: { reviewId: review.id, reason: checked.reason },
        ip: actor.ip,
      });
      return { ok: true };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: "id_number_taken" };
    throw error;
  }
}

/** How many items wait in each KYC queue (for the menu and the queue page). */
export async function kycQueueCounts(db: Queryable): Promise<{ identity: bigint; video: bigint }> {
  const [row] = await db<{ identity: bigint; video: bigint }[]>`
    select (select count(*) from identity_reviews where status = 'pending') as identity,
           (select count(*) from video_verifications where status = 'pending') as video`;
  return { identity: BigInt(row.identity), video: BigInt(row.video) };
}

/** Whether a staff member may use the KYC queues. */
export function canReviewKyc(staff: { permissions: ReadonlySet<string> } | null | undefined): boolean {
  return !!staff && staff.permissions.has(KYC_PERMISSION);
}
