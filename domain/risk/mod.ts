/**
 * The automatic review (系统初审): what the rest of the platform uses of `domain/risk/`.
 * - {@link gatherRiskSignals} — OUTSIDE a transaction (calls the credit bureau and external blacklist);
 * - {@link autoReviewApplication} — inside the submitting transaction;
 * - {@link latestDecision} — the stored decision with every rule's result, for the staff review page.
 * @module
 */
export { type BureauSignal, gatherRiskSignals, type RiskSignalDeps, type RiskSignals } from "./signals.ts";
export {
  autoReviewApplication,
  type AutoReviewResult,
  latestDecision,
  type RiskDecision,
} from "./auto_review.ts";
export { GRADE_RISK_LEVEL, type LoanGrade, type RateRange, rateRangeFor } from "./scorecard.ts";
export { RULE_OUTCOME_LABELS, type RuleOutcome, type RuleResult } from "./rules.ts";
