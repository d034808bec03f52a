import * as assert from "node:assert/strict";
import { RULE_FIELD_NAMES, type RuleFacts } from "../../../domain/risk/rules.ts";
import {
  DEFAULT_SCORECARD,
  gradeFor,
  inBand,
  rateRangeFor,
  scoreApplication,
  type ScorecardConfig,
  scorecardSchema,
} from "../../../domain/risk/scorecard.ts";
import { parseBands, scorecardFormValues, scorecardFromForm } from "../../../domain/risk/risk_forms.ts";

function facts(overrides: Partial<Record<string, unknown>> = {}): RuleFacts {
  return { ...Object.fromEntries(RULE_FIELD_NAMES.map((f) => [f, null])), ...overrides } as RuleFacts;
}

const CARD: ScorecardConfig = {
  basePoints: 100,
  attributes: [
    {
      attribute: "applicant_age",
      bands: [{ min: null, max: 25, points: 5 }, { min: 25, max: null, points: 20 }],
      missingPoints: -7,
    },
    { attribute: "debt_ratio", bands: [{ min: 0, max: 50, points: 30 }], missingPoints: 0 },
  ],
  cutoffs: { A: 150, B: 140, C: 130, D: 120 },
};

Deno.test("scorecard: bands include the lower bound and exclude the upper; missing and out-of-band values", () => {
  assert.equal(inBand(25, { min: 25, max: 35 }), true);
  assert.equal(inBand(35, { min: 25, max: 35 }), false);
  assert.equal(inBand(-1000, { min: null, max: 0 }), true);
  assert.equal(inBand(1e9, { min: 5, max: null }), true);

  const young = scoreApplication(CARD, facts({ applicant_age: 24, debt_ratio: 10 }));
  assert.equal(young.score, 100 + 5 + 30);
  assert.deepEqual(young.lines.map((l) => l.points), [5, 30]);
  const edge = scoreApplication(CARD, facts({ applicant_age: 25, debt_ratio: 50 }));
  assert.equal(edge.score, 100 + 20 + 0); // 50 is outside [0, 50): no band, 0 points
  assert.equal(edge.lines[1].band, null);
  const missing = scoreApplication(CARD, facts({ debt_ratio: 10 }));
  assert.equal(missing.score, 100 - 7 + 30);
});

Deno.test("scorecard: cut-offs give grades A–E and risk levels R1–R5; the product's rate range", () => {
  assert.equal(gradeFor(150, CARD.cutoffs), "A");
  assert.equal(gradeFor(149, CARD.cutoffs), "B");
  assert.equal(gradeFor(130, CARD.cutoffs), "C");
  assert.equal(gradeFor(120, CARD.cutoffs), "D");
  assert.equal(gradeFor(119, CARD.cutoffs), "E");
  const r = scoreApplication(CARD, facts({ applicant_age: 30, debt_ratio: 10 }));
  assert.equal(r.grade, "A");
  assert.equal(r.riskLevel, "R1");
  const rates = { A: { minRateMicros: 60000, maxRateMicros: 80000 } };
  assert.deepEqual(rateRangeFor(rates, "A"), { minRateMicros: 60000, maxRateMicros: 80000 });
  assert.equal(rateRangeFor(rates, "B"), null);
  assert.equal(rateRangeFor("junk", "A"), null);
});

Deno.test("scorecard: the default validates and scores a typical clean applicant A or B", () => {
  assert.ok(scorecardSchema.safeParse(DEFAULT_SCORECARD).success);
  const r = scoreApplication(
    DEFAULT_SCORECARD,
    facts({
      applicant_age: 36,
      monthly_income_fen: 1_500_000,
      debt_ratio: 20,
      employment_years: 6,
      bureau_overdue_count_6m: 0,
      bureau_outstanding_fen: 2_000_000,
      bureau_queries_1m: 1,
    }),
  );
  assert.equal(r.score, 500 + 35 + 45 + 35 + 35 + 60 + 30 + 20);
  assert.equal(r.grade, "A");
  assert.equal(
    scorecardSchema.safeParse({ ...DEFAULT_SCORECARD, cutoffs: { A: 600, B: 650, C: 500, D: 400 } }).success,
    false,
  );
  assert.equal(
    scorecardSchema.safeParse({
      ...DEFAULT_SCORECARD,
      attributes: [...DEFAULT_SCORECARD.attributes, DEFAULT_SCORECARD.attributes[0]],
    }).success,
    false,
  );
});

Deno.test("scorecard: the form round-trips the default; bad band lines are reported per attribute", () => {
  const values = scorecardFormValues(DEFAULT_SCORECARD);
  assert.match(values.bands.monthly_income_fen!, /^~3000:0\n3000~6000:15/);
  const back = scorecardFromForm(values);
  assert.ok(back.ok);
  assert.deepEqual(scorecardSchema.parse(back.config), scorecardSchema.parse(DEFAULT_SCORECARD));
  assert.deepEqual(parseBands("applicant_age", "~22:0\n22～25：10"), {
    ok: true,
    bands: [{ min: null, max: 22, points: 0 }, { min: 22, max: 25, points: 10 }],
  });
  assert.equal(parseBands("applicant_age", "abc").ok, false);
  const bad = scorecardFromForm({
    ...values,
    bands: { ...values.bands, debt_ratio: "x~y:1" },
    basePoints: "many",
  });
  assert.ok(!bad.ok);
  assert.ok(bad.fields["bands.debt_ratio"]);
  assert.ok(bad.fields.basePoints);
});
