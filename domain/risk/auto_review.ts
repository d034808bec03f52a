/**
 * The automatic review (系统初审) of a submitted application, inside the submitting transaction: the
 * application's facts plus its {@link RiskSignals} are scored by the active scorecard and then checked by
 * every rule of the active rule set (the score is a field rules may test). The decision — rule-set and
 * scorecard versions, score, grade, outcome, every rule's result, the score lines and the signals — is
 * stored in `risk_decisions`; the application goes to `auto_rejected` (a reject) or `manual_review`
 * (otherwise: a person always approves) with a `loan_events` row `auto_review`.
 * @module
 */
import type { Queryable, Tx } from "../../db/tx.ts";
import { isId } from "../shared/ids.ts";
import { activeRuleSet, activeScorecard } from "./rule_sets.ts";
import { roundHalfUp } from "../lending/schedule.ts";
import { evaluateRules, type RuleFacts, type RuleOutcome, type RuleResult } from "./rules.ts";
import {
  type LoanGrade,
  type RateRange,
  rateRangeFor,
  scoreApplication,
  type ScoreLine,
} from "./scorecard.ts";
import { type RiskSignals, signalsToJson } from "./signals.ts";

/** What {@link autoReviewApplication} returns. */
export interface AutoReviewResult {
  outcome: RuleOutcome;
  decisionId: string;
  score: number;
  grade: LoanGrade;
  riskLevel: "R1" | "R2" | "R3" | "R4" | "R5";
  /** The reasons of the decisive rules (Chinese; empty on a pass). */
  reasons: string[];
  /** The product's rate range for the grade (`null` when the product has none for it). */
  rateRange: RateRange | null;
  /** The status the application now has. */
  status: "auto_rejected" | "manual_review";
}

/** The application columns the review reads. */
interface ApplicationRow {
  id: string;
  userId: string;
  status: string;
  amountFen: bigint | null;
  termCount: number | null;
  monthlyIncomeFen: bigint | null;
  monthlyDebtFen: bigint | null;
  details: Record<string, unknown>;
  productKind: string;
  gradeRates: unknown;
}

/**
 * The employment years an application states: `details.employmentYears` (the borrowing flow's field), or
 * `details.work.employmentYears` / `details.work.years`; a number or numeric text; else `null`.
 */
export function employmentYearsOf(details: Record<string, unknown>): number | null {
  const work = details.work && typeof details.work === "object"
    ? details.work as Record<string, unknown>
    : {};
  for (const v of [details.employmentYears, work.employmentYears, work.years]) {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= 0) return n;
  }
  return null;
}

/**
 * Debt ratio in percent (monthly debt ÷ monthly income), rounded half-up to 0.01% with `roundHalfUp` on
 * bigints; `null` when either is unknown.
 */
export function debtRatioPercent(incomeFen: bigint | null, debtFen: bigint | null): number | null {
  if (incomeFen === null || debtFen === null) return null;
  if (incomeFen === 0n) return debtFen === 0n ? 0 : 999;
  return Number(roundHalfUp(debtFen * 10_000n, incomeFen)) / 100;
}

/** The rule facts of an application and its signals (the score is added after scoring). */
export function factsFor(
  app: Omit<ApplicationRow, "id" | "userId" | "status" | "gradeRates">,
  s: RiskSignals,
  score: number | null,
): RuleFacts {
  const num = (v: bigint | null) => (v === null ? null : Number(v));
  return {
    applicant_age: s.applicantAge,
    monthly_income_fen: num(app.monthlyIncomeFen),
    debt_ratio: debtRatioPercent(app.monthlyIncomeFen, app.monthlyDebtFen),
    amount_fen: num(app.amountFen),
    term_count: app.termCount,
    product_kind: app.productKind,
    employment_years: employmentYearsOf(app.details ?? {}),
    bureau_available: s.bureau !== null,
    bureau_outstanding_fen: s.bureau ? Number(s.bureau.otherPlatformOutstandingFen) : null,
    bureau_loan_count: s.bureau?.otherPlatformLoanCount ?? null,
    bureau_overdue_count_6m: s.bureau?.overdueCount6m ?? null,
    bureau_max_overdue_days: s.bureau?.maxOverdueDays6m ?? null,
    bureau_queries_1m: s.bureau?.queriesLastMonth ?? null,
    internal_blacklist_hit: s.internalBlacklist.hit,
    external_blacklist_available: s.externalBlacklist !== null,
    external_blacklist_hit: s.externalBlacklist?.hit ?? null,
    same_device_applicants_7d: s.sameDeviceApplicants7d,
    same_ip_applications_7d: s.sameIpApplications7d,
    score,
  };
}

/**
 * Review an application automatically, inside the caller's transaction (no outside call: the signals were
 * gathered before). Locks the application row; it must be the signals' application and in `draft` or
 * `submitted`.
 *
 * @throws {Error} when the application does not exist, is not in a reviewable status, or belongs to
 *   another user than the signals; or when no rule set / scorecard is active.
 */
export async function autoReviewApplication(
  tx: Tx,
  input: { applicationId: string; signals: RiskSignals },
): Promise<AutoReviewResult> {
  if (!isId(input.applicationId)) throw new Error("autoReviewApplication: bad application id");
  const [app] = await tx<ApplicationRow[]>`
    select a.id, a.user_id as "userId", a.status, a.amount_fen as "amountFen", a.term_count as "termCount",
      a.monthly_income_fen as "monthlyIncomeFen", a.monthly_debt_fen as "monthlyDebtFen", a.details,
      p.kind as "productKind", p.grade_rates as "gradeRates"
    from loan_applications a join loan_products p on p.id = a.product_id
    where a.id = ${input.applicationId}
    for update of a`;
  if (!app) throw new Error(`autoReviewApplication: application ${input.applicationId} not found`);
  if (
    String(app.userId) !== String(input.signals.userId) ||
    String(input.signals.applicationId) !== String(app.id)
  ) {
    throw new Error("autoReviewApplication: the signals are not this application's");
  }
  if (app.status !== "draft" && app.status !== "submitted") {
    throw new Error(`autoReviewApplication: application ${app.id} is ${app.status}`);
  }
  const [rules, card] = await Promise.all([activeRuleSet(tx), activeScorecard(tx)]);
  const scored = scoreApplication(card.config, factsFor(app, input.signals, null));
  const facts = factsFor(app, input.signals, scored.score);
  const evaluation = evaluateRules(rules.config, facts);
  const [decision] = await tx<{ id: string }[]>`
    insert into risk_decisions (application_id, rule_set_version, scorecard_version, score, grade, outcome,
      rule_results, score_lines, signals)
    values (${app.id}, ${rules.version}, ${card.version}, ${scored.score}, ${scored.grade}, ${evaluation.outcome},
      ${tx.json(evaluation.results as never)}, ${tx.json(scored.lines as never)},
      ${tx.json(signalsToJson(input.signals) as never)})
    returning id`;
  const status = evaluation.outcome === "reject" ? "auto_rejected" : "manual_review";
  await tx`
    update loan_applications set status = ${status}, submitted_at = coalesce(submitted_at, now()),
      decided_at = ${status === "auto_rejected" ? tx`now()` : tx`decided_at`}, updated_at = now()
    where id = ${app.id}`;
  await tx`
    insert into loan_events (application_id, kind, detail)
    values (${app.id}, 'auto_review', ${
    tx.json({
      decisionId: String(decision.id),
      outcome: evaluation.outcome,
      score: scored.score,
      grade: scored.grade,
      ruleSetVersion: rules.version,
      scorecardVersion: card.version,
      reasons: evaluation.reasons,
    })
  })`;
  return {
    outcome: evaluation.outcome,
    decisionId: String(decision.id),
    score: scored.score,
    grade: scored.grade,
    riskLevel: scored.riskLevel,
    reasons: evaluation.reasons,
    rateRange: rateRangeFor(app.gradeRates, scored.grade),
    status,
  };
}

/** A stored decision as the staff page shows it. */
export interface RiskDecision {
  id: string;
  applicationId: string;
  ruleSetVersion: number;
  scorecardVersion: number;
  score: number;
  grade: LoanGrade;
  riskLevel: "R1" | "R2" | "R3" | "R4" | "R5";
  outcome: RuleOutcome;
  /** Every rule with its result, in rule-set order. */
  ruleResults: RuleResult[];
  /** The reasons of the decisive rules. */
  reasons: string[];
  scoreLines: ScoreLine[];
  /** The signals as stored (fen as numbers, `gatheredAt` as ISO text). */
  signals: Record<string, unknown>;
  /** The product's rate range for the grade. */
  rateRange: RateRange | null;
  createdAt: Date;
}

const LEVEL = { A: "R1", B: "R2", C: "R3", D: "R4", E: "R5" } as const;

/** The latest automatic decision of an application, or `null`. */
export async function latestDecision(db: Queryable, applicationId: string): Promise<RiskDecision | null> {
  if (!isId(applicationId)) return null;
  const [row] = await db<
    (Omit<RiskDecision, "id" | "applicationId" | "riskLevel" | "reasons" | "rateRange"> & {
      id: string | bigint;
      applicationId: string | bigint;
      gradeRates: unknown;
    })[]
  >`
    select d.id, d.application_id as "applicationId", d.rule_set_version as "ruleSetVersion",
      d.scorecard_version as "scorecardVersion", d.score, d.grade, d.outcome, d.rule_results as "ruleResults",
      d.score_lines as "scoreLines", d.signals, d.created_at as "createdAt", p.grade_rates as "gradeRates"
    from risk_decisions d
      join loan_applications a on a.id = d.application_id
      join loan_products p on p.id = a.product_id
    where d.application_id = ${applicationId}
    order by d.id desc limit 1`;
  if (!row) return null;
  const { gradeRates, ...rest } = row;
  const reasons = rest.outcome === "pass"
    ? []
    : rest.ruleResults.filter((r) => r.hit && r.outcome === rest.outcome).map((r) => r.reasonCode);
  return {
    ...rest,
    id: String(rest.id),
    applicationId: String(rest.applicationId),
    riskLevel: LEVEL[rest.grade],
    reasons,
    rateRange: rateRangeFor(gradeRates, rest.grade),
  };
}
