/**
 * The risk disclosure (风险揭示书): its text, version, and the investor's confirmation (version and time
 * stored; one row per user and version). A new version needs a new confirmation; bidding asks
 * {@link hasConfirmedRiskDisclosure}.
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { PLATFORM_NAME } from "../shared/brand.ts";

/** Version of {@link RISK_DISCLOSURE_SECTIONS}. */
export const RISK_DISCLOSURE_VERSION = "2026-12-01";

/** Title of the document. */
export const RISK_DISCLOSURE_TITLE = "出借人风险揭示书";

/** The document: headed sections of paragraphs. No wording may promise principal or returns. */
export const RISK_DISCLOSURE_SECTIONS: readonly { heading: string; paragraphs: readonly string[] }[] = [
  {
    heading: "一、重要提示",
    paragraphs: [
      `${PLATFORM_NAME}是网络借贷信息中介平台，为出借人和借款人提供信息撮合服务，平台本身不吸收公众存款，` +
      "不归集资金，不对出借本金和利息作出任何承诺。",
      "市场有风险，出借需谨慎。请您在出借前仔细阅读本揭示书，充分了解网络借贷的风险，并根据自身的风险承受能力" +
      "作出独立判断。",
    ],
  },
  {
    heading: "二、主要风险",
    paragraphs: [
      "信用风险：借款人可能因收入下降、经营困难或其他原因不能按期足额还款，您可能损失部分或全部本金及利息。",
      "流动性风险：出借资金在借款期限内原则上不能提前收回；债权转让需有受让人，不一定能够成交。",
      "信息风险：借款人提供的信息可能不完整或不真实，平台的审核不能完全排除此类风险。",
      "政策风险：国家法律法规和监管政策的变化可能影响网络借贷业务的开展及您的权益。",
      "操作与技术风险：系统故障、网络攻击或您自身的操作失误（如泄露密码）可能造成损失。",
      "不可抗力风险：自然灾害、战争、疫情等不可抗力事件可能导致借款无法按期偿还。",
    ],
  },
  {
    heading: "三、出借人须知",
    paragraphs: [
      "您的资金由合作银行存管，平台不触碰出借人资金；但资金存管不代表银行对出借本金和收益提供任何担保。",
      "您只能出借与您的风险测评等级相匹配的项目，并受单笔及累计出借限额的约束；风险测评结果有效期为 12 个月。",
      "出借的历史回报不代表未来表现。请使用您合法拥有的闲置资金出借，不要借钱出借。",
    ],
  },
  {
    heading: "四、出借人声明",
    paragraphs: [
      "本人已阅读并完全理解本风险揭示书的全部内容，知晓出借可能损失本金，愿意自行承担出借风险。",
    ],
  },
];

/** A confirmation. */
export interface RiskDisclosureAcceptance {
  version: string;
  acceptedAt: Date;
}

/** The user's confirmation of the current version, or `null`. */
export async function currentDisclosureAcceptance(
  db: Queryable,
  userId: string,
): Promise<RiskDisclosureAcceptance | null> {
  const [row] = await db<RiskDisclosureAcceptance[]>`
    select version, accepted_at as "acceptedAt" from risk_disclosure_acceptances
    where user_id = ${userId} and version = ${RISK_DISCLOSURE_VERSION}`;
  return row ?? null;
}

/** Whether the user has confirmed the current version of the risk disclosure. */
export async function hasConfirmedRiskDisclosure(db: Queryable, userId: string): Promise<boolean> {
  return (await currentDisclosureAcceptance(db, userId)) !== null;
}

/** Outcome of {@link confirmRiskDisclosure}. */
export type ConfirmDisclosureResult =
  | { ok: true; acceptance: RiskDisclosureAcceptance; alreadyConfirmed: boolean }
  | { ok: false; code: "not_checked" | "stale_version" };

/** Chinese messages of {@link confirmRiskDisclosure}'s failures. */
export const CONFIRM_DISCLOSURE_MESSAGES = {
  not_checked: "请勾选“本人已阅读并理解上述风险”",
  stale_version: "风险揭示书已更新，请重新阅读后确认",
} as const;

/**
 * Record that the user read and confirmed the disclosure. Codes: `not_checked` (the box was not ticked),
 * `stale_version` (the page showed an older version than the current one). Confirming again keeps the
 * first time (`alreadyConfirmed: true`).
 */
export async function confirmRiskDisclosure(
  db: Db,
  input: { userId: string; version: string; checked: boolean; ip: string | null },
): Promise<ConfirmDisclosureResult> {
  if (!input.checked) return { ok: false, code: "not_checked" };
  if (input.version !== RISK_DISCLOSURE_VERSION) return { ok: false, code: "stale_version" };
  return await transaction(db, async (tx): Promise<ConfirmDisclosureResult> => {
    const inserted = await tx<RiskDisclosureAcceptance[]>`
      insert into risk_disclosure_acceptances (user_id, version, ip)
      values (${input.userId}, ${RISK_DISCLOSURE_VERSION}, ${input.ip})
      on conflict (user_id, version) do nothing
      returning version, accepted_at as "acceptedAt"`;
    if (inserted.length > 0) return { ok: true, acceptance: inserted[0], alreadyConfirmed: false };
    const [row] = await tx<RiskDisclosureAcceptance[]>`
      select version, accepted_at as "acceptedAt" from risk_disclosure_acceptances
      where user_id = ${input.userId} and version = ${RISK_DISCLOSURE_VERSION}`;
    return { ok: true, acceptance: row, alreadyConfirmed: true };
  });
}
