/**
 * The credit scorecard (信用评分卡) — pure. A score is the base points plus, for each configured
 * attribute (age, income, debt ratio, employment, bureau history, other-platform debt, …), the points of
 * the first band its value falls in (`min` inclusive, `max` exclusive; either may be open), or the
 * attribute's `missingPoints` when the value is unknown. The grade is the best grade whose cut-off the score
 * reaches (A ≥ cutoffs.A, …, else E), mapped to the loan risk level (A→R1 … E→R5) and the product's allowed
 * rate range (`loan_products.grade_rates`).
 *
 * Scorecards are stored versioned (`scorecards`, see `rule_sets.ts`) and validated with
 * {@link scorecardSchema} wherever they enter.
 * @module
 */
import { z } from "zod";
import { RULE_FIELDS, type RuleFacts } from "./rules.ts";

/** Loan grades, best first. */
export const LOAN_GRADES = ["A", "B", "C", "D", "E"] as const;
/** A loan grade. */
export type LoanGrade = typeof LOAN_GRADES[number];
/** Risk levels of the grades (what investors' permissions use). */
export const GRADE_RISK_LEVEL: Readonly<Record<LoanGrade, "R1" | "R2" | "R3" | "R4" | "R5">> = {
  A: "R1",
  B: "R2",
  C: "R3",
  D: "R4",
  E: "R5",
};

/** The attributes a scorecard may score (a subset of the rule fields, numeric only). */
export const SCORE_ATTRIBUTES = [
  "applicant_age",
  "monthly_income_fen",
  "debt_ratio",
  "employment_years",
  "amount_fen",
  "bureau_overdue_count_6m",
  "bureau_max_overdue_days",
  "bureau_outstanding_fen",
  "bureau_loan_count",
  "bureau_queries_1m",
] as const;
/** A scored attribute. */
export type ScoreAttribute = typeof SCORE_ATTRIBUTES[number];

/** One band: `min ≤ value < max` (null = open). */
export interface ScoreBand {
  min: number | null;
  max: number | null;
  points: number;
}

/** The bands of one attribute. */
export interface ScoreAttributeConfig {
  attribute: ScoreAttribute;
  bands: ScoreBand[];
  /** Points when the value is unknown (e.g. the bureau was unavailable). */
  missingPoints: number;
}

/** A whole scorecard. */
export interface ScorecardConfig {
  basePoints: number;
  attributes: ScoreAttributeConfig[];
  /** The lowest score of each grade A–D (descending); below D's is E. */
  cutoffs: { A: number; B: number; C: number; D: number };
}

/** Most bands per attribute. */
export const MAX_BANDS = 12;
const points = z.number().int("分值须为整数").min(-1000, "分值须在 -1000 到 1000 之间").max(
  1000,
  "分值须在 -1000 到 1000 之间",
);

const bandSchema = z.object({
  min: z.number().finite().nullable(),
  max: z.number().finite().nullable(),
  points,
}).refine((b) => b.min === null || b.max === null || b.min < b.max, { message: "区间下限须小于上限" });

/** A scorecard, validated: known attributes once each, 1–12 bands, descending cut-offs. */
export const scorecardSchema: z.ZodType<ScorecardConfig> = z.object({
  basePoints: z.number().int().min(0).max(2000),
  attributes: z.array(z.object({
    attribute: z.enum(SCORE_ATTRIBUTES),
    bands: z.array(bandSchema).min(1, "每个属性至少一个区间").max(
      MAX_BANDS,
      `每个属性最多 ${MAX_BANDS} 个区间`,
    ),
    missingPoints: points,
  })).min(1).max(SCORE_ATTRIBUTES.length),
  cutoffs: z.object({
    A: z.number().int().min(0).max(5000),
    B: z.number().int().min(0).max(5000),
    C: z.number().int().min(0).max(5000),
    D: z.number().int().min(0).max(5000),
  }).refine((c) => c.A > c.B && c.B > c.C && c.C > c.D, { message: "等级分数线须 A > B > C > D" }),
}).superRefine((card, ctx) => {
  const seen = new Set<string>();
  card.attributes.forEach((a, i) => {
    if (seen.has(a.attribute)) ctx.addIssue({ code: "custom", path: ["attributes", i], message: "属性重复" });
    seen.add(a.attribute);
  });
});

/** One attribute's contribution to a score. */
export interface ScoreLine {
  attribute: ScoreAttribute;
  value: number | null;
  /** The band that matched (`null` when the value was missing or fell in no band). */
  band: ScoreBand | null;
  points: number;
}

/** A computed score. */
export interface ScoreResult {
  score: number;
  grade: LoanGrade;
  riskLevel: "R1" | "R2" | "R3" | "R4" | "R5";
  lines: ScoreLine[];
}

/** Whether a value falls in a band. */
export function inBand(value: number, band: Pick<ScoreBand, "min" | "max">): boolean {
  return (band.min === null || value >= band.min) && (band.max === null || value < band.max);
}

/** The grade of a score under the cut-offs. */
export function gradeFor(score: number, cutoffs: ScorecardConfig["cutoffs"]): LoanGrade {
  if (score >= cutoffs.A) return "A";
  if (score >= cutoffs.B) return "B";
  if (score >= cutoffs.C) return "C";
  if (score >= cutoffs.D) return "D";
  return "E";
}

/** Score the facts of one application. A value in no band scores 0. */
export function scoreApplication(card: ScorecardConfig, facts: RuleFacts): ScoreResult {
  const lines: ScoreLine[] = card.attributes.map((a) => {
    const raw = facts[a.attribute];
    const value = typeof raw === "number" ? raw : null;
    if (value === null) return { attribute: a.attribute, value, band: null, points: a.missingPoints };
    const band = a.bands.find((b) => inBand(value, b)) ?? null;
    return { attribute: a.attribute, value, band, points: band?.points ?? 0 };
  });
  const score = card.basePoints + lines.reduce((s, l) => s + l.points, 0);
  const grade = gradeFor(score, card.cutoffs);
  return { score, grade, riskLevel: GRADE_RISK_LEVEL[grade], lines };
}

/** A product's annual rate range of one grade, in micros. */
export interface RateRange {
  minRateMicros: number;
  maxRateMicros: number;
}

/** The rate range a product allows for a grade (`loan_products.grade_rates`), or `null` when not set. */
export function rateRangeFor(gradeRates: unknown, grade: LoanGrade): RateRange | null {
  const parsed = z.record(z.string(), z.object({ minRateMicros: z.number(), maxRateMicros: z.number() }))
    .safeParse(gradeRates);
  if (!parsed.success) return null;
  return parsed.data[grade] ?? null;
}

/** The Chinese label of an attribute. */
export function scoreAttributeLabel(attribute: ScoreAttribute): string {
  return RULE_FIELDS[attribute].label;
}

function bands(...list: [number | null, number | null, number][]): ScoreBand[] {
  return list.map(([min, max, p]) => ({ min, max, points: p }));
}

/**
 * The scorecard shipped with the platform (seeded as version 1 by db/migrations/0013_risk.sql; a test
 * keeps the two equal). Money in fen. Best possible: 800; a typical clean applicant scores 700–760.
 */
export const DEFAULT_SCORECARD: ScorecardConfig = {
  basePoints: 500,
  attributes: [
    {
      attribute: "applicant_age",
      bands: bands([null, 22, 0], [22, 25, 10], [25, 35, 25], [35, 50, 35], [50, 60, 20], [60, null, 0]),
      missingPoints: 0,
    },
    {
      attribute: "monthly_income_fen",
      bands: bands([null, 300_000, 0], [300_000, 600_000, 15], [600_000, 1_000_000, 30], [
        1_000_000,
        2_000_000,
        45,
      ], [2_000_000, null, 60]),
      missingPoints: 0,
    },
    {
      attribute: "debt_ratio",
      bands: bands([null, 20, 50], [20, 35, 35], [35, 50, 20], [50, 70, 5], [70, null, -20]),
      missingPoints: 0,
    },
    {
      attribute: "employment_years",
      bands: bands([null, 1, 0], [1, 3, 15], [3, 5, 25], [5, null, 35]),
      missingPoints: 0,
    },
    {
      attribute: "bureau_overdue_count_6m",
      bands: bands([null, 1, 60], [1, 2, 20], [2, 4, -10], [4, null, -40]),
      missingPoints: 0,
    },
    {
      attribute: "bureau_outstanding_fen",
      bands: bands([null, 1, 40], [1, 5_000_000, 30], [5_000_000, 20_000_000, 10], [
        20_000_000,
        50_000_000,
        -10,
      ], [50_000_000, null, -40]),
      missingPoints: 0,
    },
    {
      attribute: "bureau_queries_1m",
      bands: bands([null, 3, 20], [3, 6, 5], [6, null, -15]),
      missingPoints: 0,
    },
  ],
  cutoffs: { A: 720, B: 670, C: 620, D: 570 },
};
