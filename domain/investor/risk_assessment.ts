/**
 * Risk assessment (风险测评) results and the risk level rules: an investor submits the questionnaire
 * (domain/investor/risk_questionnaire.ts), the result is stored with answers, score, version and time and
 * is valid {@link ASSESSMENT_VALID_MONTHS} months. The level's rule — staff-configured at
 * `/admin/risk-levels` (permission `risk.rules`, audited, history kept) — says which loan risk grades the
 * investor may bid on and the limits; bidding asks {@link investorBidPermission}.
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import { parseYuanToFen } from "../money/format.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import {
  ASSESSMENT_VALID_MONTHS,
  assessmentExpiry,
  LOAN_GRADES,
  type LoanGrade,
  QUESTIONNAIRE_VERSION,
  RISK_LEVELS,
  type RiskLevel,
  scoreAnswers,
} from "./risk_questionnaire.ts";

export { ASSESSMENT_VALID_MONTHS };

/** A stored assessment. */
export interface RiskAssessment {
  id: string;
  version: string;
  answers: Record<string, string>;
  score: number;
  level: RiskLevel;
  assessedAt: Date;
  expiresAt: Date;
}

/** The latest assessment of a user (expired or not), or `null` when there is none. */
export async function latestAssessment(db: Queryable, userId: string): Promise<RiskAssessment | null> {
  const [row] = await db<RiskAssessment[]>`
    select id, questionnaire_version as version, answers, score, level, assessed_at as "assessedAt",
      expires_at as "expiresAt"
    from risk_assessments where user_id = ${userId} order by id desc limit 1`;
  return row ?? null;
}

/** Outcome of {@link submitRiskAssessment}. */
export type SubmitAssessmentResult =
  | { ok: true; assessment: RiskAssessment }
  | { ok: false; code: "incomplete"; fields: Record<string, string[]> }
  | { ok: false; code: "not_investor" | "user_not_active" };

/** Chinese messages of {@link submitRiskAssessment}'s failures (besides the per-question ones). */
export const SUBMIT_ASSESSMENT_MESSAGES = {
  incomplete: "还有题目未回答，请检查标红的题目",
  not_investor: "风险测评仅适用于出借人账户",
  user_not_active: "账户状态异常，暂不能测评",
} as const;

/**
 * Score and store a questionnaire for an investor. Codes: `incomplete` (each unanswered or invalid
 * question in `fields`; nothing stored), `not_investor`, `user_not_active`. Each submission is a new
 * row; the latest is in force.
 */
export async function submitRiskAssessment(
  db: Db,
  input: { userId: string; answers: Record<string, string | undefined>; now?: Date },
): Promise<SubmitAssessmentResult> {
  const scored = scoreAnswers(input.answers);
  if (!scored.ok) return scored;
  const now = input.now ?? new Date();
  const expiresAt = assessmentExpiry(now);
  return await transaction(db, async (tx): Promise<SubmitAssessmentResult> => {
    const [user] = await tx<{ kind: string; status: string }[]>`
      select kind, status from users where id = ${input.userId} for update`;
    if (!user || user.status === "closed" || user.status === "disabled") {
      return { ok: false, code: "user_not_active" };
    }
    if (user.kind !== "investor") return { ok: false, code: "not_investor" };
    const [row] = await tx<RiskAssessment[]>`
      insert into risk_assessments (user_id, questionnaire_version, answers, score, level, assessed_at, expires_at)
      values (${input.userId}, ${QUESTIONNAIRE_VERSION}, ${tx.json(scored.answers)}, ${scored.score},
        ${scored.level}, ${now}, ${expiresAt})
      returning id, questionnaire_version as version, answers, score, level, assessed_at as "assessedAt",
        expires_at as "expiresAt"`;
    return { ok: true, assessment: row };
  });
}

/** The rule of one level in force. */
export interface RiskLevelRule {
  id: string;
  level: RiskLevel;
  allowedGrades: LoanGrade[];
  perBidLimitFen: Fen;
  totalOutstandingLimitFen: Fen;
  staffId: string | null;
  staffName: string | null;
  reason: string | null;
  createdAt: Date;
}

const RULE_COLUMNS = (db: Queryable) =>
  db`r.id, r.level, r.allowed_grades as "allowedGrades", r.per_bid_limit_fen as "perBidLimitFen",
    r.total_outstanding_limit_fen as "totalOutstandingLimitFen", r.staff_id as "staffId",
    s.display_name as "staffName", r.reason, r.created_at as "createdAt"`;

/** The rules in force, one per level C1…C5. */
export async function listRiskLevelRules(db: Queryable): Promise<RiskLevelRule[]> {
  return await db<RiskLevelRule[]>`
    select distinct on (r.level) ${RULE_COLUMNS(db)}
    from risk_level_rules r left join staff s on s.id = r.staff_id
    order by r.level, r.id desc`;
}

/** The rule in force for a level. */
export async function ruleForLevel(db: Queryable, level: RiskLevel): Promise<RiskLevelRule | null> {
  const [row] = await db<RiskLevelRule[]>`
    select ${RULE_COLUMNS(db)} from risk_level_rules r left join staff s on s.id = r.staff_id
    where r.level = ${level} order by r.id desc limit 1`;
  return row ?? null;
}

/** Most history rows shown. */
export const RULE_HISTORY_LIMIT = 100;

/** Every change of the rules, newest first (at most {@link RULE_HISTORY_LIMIT}). */
export async function riskLevelRuleHistory(db: Queryable): Promise<RiskLevelRule[]> {
  return await db<RiskLevelRule[]>`
    select ${RULE_COLUMNS(db)} from risk_level_rules r left join staff s on s.id = r.staff_id
    order by r.id desc limit ${RULE_HISTORY_LIMIT}`;
}

/** What a bid may do under the investor's level, or why it may not bid at all. */
export type InvestorBidPermission =
  | {
    ok: true;
    level: RiskLevel;
    allowedGrades: LoanGrade[];
    perBidLimitFen: Fen;
    totalOutstandingLimitFen: Fen;
    expiresAt: Date;
  }
  | { ok: false; code: "not_assessed" | "expired"; expiredAt?: Date };

/** Chinese messages of {@link investorBidPermission}'s refusals. */
export const BID_PERMISSION_MESSAGES = {
  not_assessed: "出借前请先完成风险测评",
  expired: "您的风险测评已过期，请重新测评",
} as const;

/**
 * May this investor bid, and within which grades and limits? Codes: `not_assessed` (never assessed),
 * `expired` (the latest result is older than {@link ASSESSMENT_VALID_MONTHS} months; `expiredAt`).
 * The grades and limits are the rule in force for the level now (staff may change them at any time).
 */
export async function investorBidPermission(
  db: Queryable,
  userId: string,
  now: Date = new Date(),
): Promise<InvestorBidPermission> {
  const latest = await latestAssessment(db, userId);
  if (!latest) return { ok: false, code: "not_assessed" };
  if (latest.expiresAt.getTime() <= now.getTime()) {
    return { ok: false, code: "expired", expiredAt: latest.expiresAt };
  }
  const rule = await ruleForLevel(db, latest.level);
  if (!rule) throw new Error(`no risk level rule for ${latest.level}`);
  return {
    ok: true,
    level: latest.level,
    allowedGrades: rule.allowedGrades,
    perBidLimitFen: rule.perBidLimitFen,
    totalOutstandingLimitFen: rule.totalOutstandingLimitFen,
    expiresAt: latest.expiresAt,
  };
}

/** Outcome of {@link updateRiskLevelRule}. */
export type UpdateRiskLevelRuleResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Largest limit staff may set: 1 亿元. */
export const MAX_RULE_LIMIT_FEN: Fen = 10_000_000_000n;

/**
 * Change the rule of one level (needs `risk.rules`): grades (any subset of R1–R5, at least one), per-bid
 * and total-outstanding limits in yuan (> 0, ≤ 1 亿, per-bid ≤ total), and a reason (2–200 characters).
 * Writes a new rule row (history) and the audit entry `risk_rules.update` in one transaction; a rule
 * equal to the one in force writes nothing (`changed: false`). Codes: `forbidden`, `invalid_input`.
 */
export async function updateRiskLevelRule(
  db: Db,
  input: { level: string; grades: string[]; perBidLimit: string; totalLimit: string; reason: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<UpdateRiskLevelRuleResult> {
  if (!can(actor.staff, "risk.rules")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const level = input.level as RiskLevel;
  if (!(RISK_LEVELS as readonly string[]).includes(input.level)) fields.level = ["请选择风险等级"];
  const grades = LOAN_GRADES.filter((g) => input.grades.includes(g));
  if (input.grades.some((g) => !(LOAN_GRADES as readonly string[]).includes(g))) {
    fields.grades = ["项目风险等级无效"];
  } else if (grades.length === 0) fields.grades = ["请至少选择一个可出借的项目风险等级"];
  const perBid = parseYuanToFen(input.perBidLimit.trim());
  const total = parseYuanToFen(input.totalLimit.trim());
  if (perBid === null) fields.perBidLimit = ["请输入金额（元，最多两位小数）"];
  else if (perBid <= 0n) fields.perBidLimit = ["金额须大于 0"];
  else if (perBid > MAX_RULE_LIMIT_FEN) fields.perBidLimit = ["金额不能超过 1 亿元"];
  if (total === null) fields.totalLimit = ["请输入金额（元，最多两位小数）"];
  else if (total <= 0n) fields.totalLimit = ["金额须大于 0"];
  else if (total > MAX_RULE_LIMIT_FEN) fields.totalLimit = ["金额不能超过 1 亿元"];
  if (!fields.perBidLimit && !fields.totalLimit && perBid! > total!) {
    fields.perBidLimit = ["单笔限额不能大于累计持有限额"];
  }
  const reason = input.reason.trim();
  const reasonChars = Array.from(reason).length;
  if (reasonChars < 2) fields.reason = ["请填写修改原因（至少 2 个字）"];
  else if (reasonChars > 200) fields.reason = ["原因最多 200 个字"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };

  return await transaction(db, async (tx): Promise<UpdateRiskLevelRuleResult> => {
    // one change of a level at a time: the level's rows are append-only, so lock on the level's key
    await tx`select pg_advisory_xact_lock(72640090, ${RISK_LEVELS.indexOf(level)})`;
    const current = await ruleForLevel(tx, level);
    if (
      current && current.perBidLimitFen === perBid && current.totalOutstandingLimitFen === total &&
      current.allowedGrades.join(",") === grades.join(",")
    ) return { ok: true, changed: false };
    const [row] = await tx<{ id: string }[]>`
      insert into risk_level_rules (level, allowed_grades, per_bid_limit_fen, total_outstanding_limit_fen,
        staff_id, reason)
      values (${level}, ${tx.array(grades)}, ${perBid!}, ${total!}, ${actor.staff.id}, ${reason})
      returning id`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "risk_rules.update",
      target: `risk_level:${level}`,
      detail: {
        ruleId: row.id,
        before: current
          ? {
            grades: current.allowedGrades,
            perBidLimitFen: String(current.perBidLimitFen),
            totalOutstandingLimitFen: String(current.totalOutstandingLimitFen),
          }
          : null,
        after: { grades, perBidLimitFen: String(perBid), totalOutstandingLimitFen: String(total) },
        reason,
      },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}
