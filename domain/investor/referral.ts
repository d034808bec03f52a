/**
 * Invite friends (邀请好友): the inviter's invitees with masked phones and how far each got, the reward
 * rules staff configure (`/admin/referral`, permission `content.manage`, audited), and
 * {@link onInviteeMilestone}, which the flows that reach a milestone call inside their own transaction.
 *
 * Money model: a reward is a journal entry `referral_reward` — `platform_marketing_expense` −X,
 * the inviter's `user_reward` (奖励金) +X — with idempotency key `referral:<inviteeId>:<milestone>`, so
 * it is credited at most once per invitee and milestone however often the milestone is reported. It goes
 * to the reward account, not to 可用余额: the cash for it is not in the inviter's custody sub-account
 * until the platform transfers it there, so crediting 可用余额 would make the daily reconciliation report
 * a difference. The bid flow (next issue) may spend 奖励金 (via a custody transfer from the platform's
 * marketing account).
 * @module
 */
import type postgres from "postgres";
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import { postEntry } from "../ledger/ledger.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, parseYuanToFen } from "../money/format.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { maskPhone } from "../accounts/pii.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";

/** Milestones an invitee can reach, in the order they usually happen. */
export const REFERRAL_MILESTONES = ["identity_verified", "first_top_up", "first_bid"] as const;
/** A milestone. */
export type ReferralMilestone = typeof REFERRAL_MILESTONES[number];

/** Chinese names of the milestones. */
export const MILESTONE_LABELS: Readonly<Record<ReferralMilestone, string>> = {
  identity_verified: "完成实名认证",
  first_top_up: "首次充值",
  first_bid: "首次出借",
};

/** An invitee's status on the invite page. */
export type InviteeStatus = "registered" | "verified" | "invested";
/** Chinese names of {@link InviteeStatus}. */
export const INVITEE_STATUS_LABELS: Readonly<Record<InviteeStatus, string>> = {
  registered: "已注册",
  verified: "已实名",
  invested: "已出借",
};

/** One invitee as the inviter sees them. */
export interface Invitee {
  id: string;
  phoneMasked: string;
  registeredAt: Date;
  status: InviteeStatus;
  /** Total reward credited to the inviter for this invitee. */
  rewardFen: Fen;
}

/** Most invitees listed. */
export const INVITEES_LIMIT = 200;

/**
 * The inviter's invitees (newest first, at most {@link INVITEES_LIMIT}) with masked phones. Status: 已出借
 * once `first_bid` was reported, 已实名 once the identity is verified (`users.identity_verified_at`, or the
 * `identity_verified` milestone), else 已注册.
 */
export async function listInvitees(db: Queryable, pii: PiiCipher, inviterId: string): Promise<Invitee[]> {
  const rows = await db<
    {
      id: string;
      phoneEnc: Uint8Array;
      registeredAt: Date;
      verified: boolean;
      milestones: string[];
      rewardFen: Fen;
    }[]
  >`
    select u.id, u.phone_enc as "phoneEnc", u.created_at as "registeredAt",
      u.identity_verified_at is not null as verified,
      coalesce((select array_agg(m.milestone::text) from referral_milestones m where m.invitee_id = u.id),
        '{}'::text[]) as milestones,
      coalesce((select sum(r.amount_fen) from referral_rewards r where r.invitee_id = u.id
        and r.inviter_id = ${inviterId}), 0)::bigint as "rewardFen"
    from users u where u.invited_by = ${inviterId}
    order by u.id desc limit ${INVITEES_LIMIT}`;
  const out: Invitee[] = [];
  for (const r of rows) {
    const status: InviteeStatus = r.milestones.includes("first_bid")
      ? "invested"
      : r.verified || r.milestones.includes("identity_verified")
      ? "verified"
      : "registered";
    out.push({
      id: r.id,
      phoneMasked: maskPhone(await pii.decrypt(r.phoneEnc)),
      registeredAt: r.registeredAt,
      status,
      rewardFen: r.rewardFen,
    });
  }
  return out;
}

/** Totals for the invite page. */
export async function inviteSummary(
  db: Queryable,
  inviterId: string,
): Promise<{ invitees: bigint; rewardFen: Fen }> {
  const [row] = await db<{ invitees: bigint; rewardFen: Fen }[]>`
    select (select count(*) from users where invited_by = ${inviterId}) as invitees,
      (select coalesce(sum(amount_fen), 0)::bigint from referral_rewards where inviter_id = ${inviterId})
        as "rewardFen"`;
  return row;
}

/** One reward rule. */
export interface ReferralRule {
  milestone: ReferralMilestone;
  amountFen: Fen;
  active: boolean;
  updatedAt: Date;
}

/** The rules, in milestone order. */
export async function listReferralRules(db: Queryable): Promise<ReferralRule[]> {
  const rows = await db<ReferralRule[]>`
    select milestone, amount_fen as "amountFen", active, updated_at as "updatedAt" from referral_rules`;
  return REFERRAL_MILESTONES.flatMap((m) => rows.filter((r) => r.milestone === m));
}

/** Outcome of {@link onInviteeMilestone}. */
export type InviteeMilestoneResult =
  | { credited: true; entryId: string; inviterId: string; amountFen: Fen }
  | { credited: false; reason: "no_inviter" | "no_active_rule" | "already_credited" | "inviter_closed" };

const milestoneSchema = z.enum(REFERRAL_MILESTONES);

/**
 * The statement that records `milestone` for `inviteeId` (once: a repeat does nothing), returning the
 * invitee's id when it was new. A fragment: {@link onInviteeMilestone} awaits it; placeBid embeds it in
 * its one write statement for an investor without inviter (nobody to reward).
 */
export function recordMilestone(
  tx: Tx,
  m: { inviteeId: string; milestone: ReferralMilestone },
): postgres.PendingQuery<{ invitee_id: string }[]> {
  return tx<{ invitee_id: string }[]>`
    insert into referral_milestones (invitee_id, milestone) values (${m.inviteeId}, ${m.milestone})
    on conflict do nothing
    returning invitee_id`;
}

/**
 * An invitee reached a milestone: call it inside the transaction that makes it happen (identity
 * verified, first top-up credited, first bid placed) — calling it on later top-ups or bids is harmless.
 * Records the milestone (for the inviter's list) and, when the invitee was invited, the inviter's account
 * is not closed and the milestone's rule is active, credits the rule's amount to the inviter's 奖励金
 * through the ledger (key `referral:<inviteeId>:<milestone>`, so once) and notifies the inviter (after
 * commit, through the outbox). Never fails the caller's business: it returns why nothing was credited.
 *
 * @throws {z.ZodError} for an unknown milestone (a programming error).
 */
export async function onInviteeMilestone(
  tx: Tx,
  outbox: Outbox,
  input: { inviteeId: string; milestone: ReferralMilestone },
): Promise<InviteeMilestoneResult> {
  const milestone = milestoneSchema.parse(input.milestone);
  await recordMilestone(tx, { inviteeId: input.inviteeId, milestone });
  const [invitee] = await tx<{ inviterId: string | null; inviterStatus: string | null }[]>`
    select u.invited_by as "inviterId", i.status as "inviterStatus"
    from users u left join users i on i.id = u.invited_by where u.id = ${input.inviteeId}`;
  if (!invitee?.inviterId) return { credited: false, reason: "no_inviter" };
  if (invitee.inviterStatus === "closed") return { credited: false, reason: "inviter_closed" };
  const [rule] = await tx<{ amountFen: Fen; active: boolean }[]>`
    select amount_fen as "amountFen", active from referral_rules where milestone = ${milestone}`;
  if (!rule?.active) return { credited: false, reason: "no_active_rule" };
  const inviterId = invitee.inviterId;
  const posted = await postEntry(tx, {
    businessType: "referral_reward",
    reference: `referral:${input.inviteeId}:${milestone}`,
    idempotencyKey: `referral:${input.inviteeId}:${milestone}`,
    memo: `邀请奖励：好友${MILESTONE_LABELS[milestone]}`,
    lines: [
      { account: { kind: "platform_marketing_expense" }, amountFen: -rule.amountFen },
      { account: { kind: "user_reward", userId: inviterId }, amountFen: rule.amountFen },
    ],
  });
  // only a user account can be short, and the reward account is credited: cannot happen
  if (!posted.ok) throw new Error(`referral reward refused by the ledger: ${posted.code}`);
  if (posted.replayed) return { credited: false, reason: "already_credited" };
  await tx`
    insert into referral_rewards (inviter_id, invitee_id, milestone, amount_fen, journal_entry_id)
    values (${inviterId}, ${input.inviteeId}, ${milestone}, ${rule.amountFen}, ${posted.entryId})`;
  await notify(tx, outbox, {
    userId: inviterId,
    kind: "generic",
    key: `referral:${input.inviteeId}:${milestone}`,
    payload: {
      title: "邀请奖励到账",
      body: `您邀请的好友已${MILESTONE_LABELS[milestone]}，邀请奖励 ${
        formatFen(rule.amountFen)
      } 已计入您的奖励金。`,
    },
  });
  return { credited: true, entryId: posted.entryId, inviterId, amountFen: rule.amountFen };
}

/** Outcome of {@link updateReferralRule}. */
export type UpdateReferralRuleResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Largest reward per milestone: 1000 元. */
export const MAX_REFERRAL_REWARD_FEN: Fen = 100_000n;

/**
 * Change one reward rule (needs `content.manage`): amount in yuan (> 0, ≤ 1000 元) and whether it is
 * active. Audited `referral_rule.update` with before/after in the same transaction; an unchanged rule
 * writes nothing. Codes: `forbidden`, `invalid_input`. Rewards already credited are not touched.
 */
export async function updateReferralRule(
  db: Db,
  input: { milestone: string; amount: string; active: boolean },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<UpdateReferralRuleResult> {
  if (!can(actor.staff, "content.manage")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const milestone = milestoneSchema.safeParse(input.milestone);
  if (!milestone.success) fields.milestone = ["请选择奖励节点"];
  const amount = parseYuanToFen(input.amount.trim());
  if (amount === null) fields.amount = ["请输入金额（元，最多两位小数）"];
  else if (amount <= 0n) fields.amount = ["金额须大于 0"];
  else if (amount > MAX_REFERRAL_REWARD_FEN) fields.amount = ["单笔奖励不能超过 1,000.00 元"];
  if (!milestone.success || amount === null || Object.keys(fields).length > 0) {
    return { ok: false, code: "invalid_input", fields };
  }
  return await transaction(db, async (tx): Promise<UpdateReferralRuleResult> => {
    const [current] = await tx<{ amountFen: Fen; active: boolean }[]>`
      select amount_fen as "amountFen", active from referral_rules where milestone = ${milestone.data}
      for update`;
    if (current && current.amountFen === amount && current.active === input.active) {
      return { ok: true, changed: false };
    }
    await tx`
      insert into referral_rules (milestone, amount_fen, active, updated_by, updated_at)
      values (${milestone.data}, ${amount}, ${input.active}, ${actor.staff.id}, now())
      on conflict (milestone) do update set amount_fen = excluded.amount_fen, active = excluded.active,
        updated_by = excluded.updated_by, updated_at = now()`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "referral_rule.update",
      target: `referral_rule:${milestone.data}`,
      detail: {
        before: current ? { amountFen: String(current.amountFen), active: current.active } : null,
        after: { amountFen: String(amount), active: input.active },
      },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}
