/**
 * 安全中心 (security centre): the state of every security item of a user — phone, e-mail, login password,
 * trade password, real name, bank cards, video verification, risk questionnaire — with the next action.
 * Items owned by other rooms (identity, investor) are read from their tables.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import { maskPhone, type PiiCipher } from "./pii.ts";
import { maskEmail } from "./email.ts";
import { latestAssessment } from "../investor/risk_assessment.ts";
import { RISK_LEVEL_LABELS } from "../investor/risk_questionnaire.ts";
import { getVerifiedIdentity } from "../identity/identity.ts";

/** One row of the security centre. */
export interface SecurityItem {
  key:
    | "phone"
    | "email"
    | "login_password"
    | "trade_password"
    | "identity"
    | "cards"
    | "video"
    | "questionnaire";
  label: string;
  /** What is true now, e.g. 「已绑定 138****5678」. */
  state: string;
  /** Whether the item is in order (done / valid). */
  done: boolean;
  /** The next action: a link and its label. */
  action: { href: string; label: string };
}

/** The user's verified ID number (decrypted; `getVerifiedIdentity` of domain/identity), or `null`. */
export async function verifiedIdNumber(
  db: Queryable,
  cipher: PiiCipher,
  userId: string,
): Promise<{ idNumber: string } | null> {
  const identity = await getVerifiedIdentity(db, cipher, userId);
  return identity ? { idNumber: identity.idNumber } : null;
}

/** A look-up of the verified ID number bound to the request's database and cipher (for commands' deps). */
export function verifiedIdentityLookup(
  state: { sql: Queryable; pii: PiiCipher },
): (userId: string) => Promise<{ idNumber: string } | null> {
  return (userId) => verifiedIdNumber(state.sql, state.pii, userId);
}

/** Every security item of a user, in display order. */
export async function securityItems(
  db: Queryable,
  cipher: PiiCipher,
  userId: string,
  now: Date = new Date(),
): Promise<SecurityItem[]> {
  const [u] = await db<
    {
      phoneEnc: Uint8Array;
      emailEnc: Uint8Array | null;
      emailVerifiedAt: Date | null;
      identityVerifiedAt: Date | null;
      tradeSetAt: Date | null;
      cards: bigint;
      videoStatus: string | null;
    }[]
  >`
    select u.phone_enc as "phoneEnc", u.email_enc as "emailEnc", u.email_verified_at as "emailVerifiedAt",
      u.identity_verified_at as "identityVerifiedAt",
      (select updated_at from trade_passwords t where t.user_id = u.id) as "tradeSetAt",
      (select count(*) from bank_cards c where c.user_id = u.id and c.status = 'active') as cards,
      (select status from video_verifications v where v.user_id = u.id order by id desc limit 1) as "videoStatus"
    from users u where u.id = ${userId}`;
  if (!u) return [];
  const phone = await cipher.decrypt(u.phoneEnc);
  const email = u.emailEnc && u.emailVerifiedAt ? await cipher.decrypt(u.emailEnc) : null;
  const assessment = await latestAssessment(db, userId);
  const cards = BigInt(u.cards);
  const video: Record<string, [string, boolean, string]> = {
    pending: ["审核中", false, "查看进度"],
    approved: ["已通过", true, "查看"],
    rejected: ["未通过，请重新上传", false, "重新上传"],
  };
  const [videoState, videoDone, videoAction] = u.videoStatus
    ? video[u.videoStatus]
    : ["未认证", false, "去认证"];
  const assessmentValid = assessment !== null && assessment.expiresAt > now;
  return [
    {
      key: "phone",
      label: "手机号码",
      state: `已绑定 ${maskPhone(phone)}`,
      done: true,
      action: { href: "/account/phone", label: "更换" },
    },
    {
      key: "email",
      label: "电子邮箱",
      state: email ? `已绑定 ${maskEmail(email)}` : "未绑定",
      done: email !== null,
      action: { href: "/account/email", label: email ? "更换 / 解绑" : "去绑定" },
    },
    {
      key: "login_password",
      label: "登录密码",
      state: "已设置",
      done: true,
      action: { href: "/account/password", label: "修改" },
    },
    {
      key: "trade_password",
      label: "交易密码",
      state: u.tradeSetAt ? "已设置" : "未设置",
      done: u.tradeSetAt !== null,
      action: { href: "/account/trade-password", label: u.tradeSetAt ? "修改 / 重置" : "去设置" },
    },
    {
      key: "identity",
      label: "实名认证",
      state: u.identityVerifiedAt ? "已认证" : "未认证",
      done: u.identityVerifiedAt !== null,
      action: { href: "/account/identity", label: u.identityVerifiedAt ? "查看" : "去认证" },
    },
    {
      key: "cards",
      label: "银行卡",
      state: cards > 0n ? `已绑定 ${cards} 张` : "未绑定",
      done: cards > 0n,
      action: { href: "/account/cards", label: cards > 0n ? "管理" : "去绑卡" },
    },
    {
      key: "video",
      label: "视频认证",
      state: videoState,
      done: videoDone,
      action: { href: "/account/video", label: videoAction },
    },
    {
      key: "questionnaire",
      label: "风险测评",
      state: assessment === null
        ? "未测评"
        : assessmentValid
        ? `已测评（${RISK_LEVEL_LABELS[assessment.level]}）`
        : "已过期，请重新测评",
      done: assessmentValid,
      action: { href: "/account/risk-assessment", label: assessment === null ? "去测评" : "重新测评" },
    },
  ];
}
