/** The risk questionnaire, pure: questions, scoring, bands, expiry. */
import assert from "node:assert/strict";
import {
  assessmentExpiry,
  LEVEL_BANDS,
  levelForScore,
  MAX_SCORE,
  QUESTIONNAIRE_VERSION,
  QUESTIONS,
  scoreAnswers,
} from "../../../domain/investor/risk_questionnaire.ts";

/** Answers choosing the option with `pick(points list)` points in every question. */
function answersWith(pick: (points: number[]) => number): Record<string, string> {
  return Object.fromEntries(QUESTIONS.map((q) => {
    const points = q.options.map((o) => o.points);
    const want = pick(points);
    return [q.id, q.options.find((o) => o.points === want)!.id];
  }));
}

Deno.test("the questionnaire has 10+ questions with unique ids and options scored 0..n", () => {
  assert.ok(QUESTIONS.length >= 10);
  assert.equal(new Set(QUESTIONS.map((q) => q.id)).size, QUESTIONS.length);
  for (const q of QUESTIONS) {
    assert.ok(q.options.length >= 4, q.id);
    assert.equal(new Set(q.options.map((o) => o.id)).size, q.options.length, q.id);
    assert.deepEqual(q.options.map((o) => o.points).sort(), q.options.map((_, i) => i), q.id);
  }
  assert.ok(QUESTIONNAIRE_VERSION.length > 0);
  assert.equal(MAX_SCORE, QUESTIONS.reduce((s, q) => s + q.options.length - 1, 0));
});

Deno.test("lowest answers give C1 with score 0, highest give C5 with the maximum", () => {
  const low = scoreAnswers(answersWith((p) => Math.min(...p)));
  assert.ok(low.ok);
  assert.equal(low.score, 0);
  assert.equal(low.level, "C1");
  const high = scoreAnswers(answersWith((p) => Math.max(...p)));
  assert.ok(high.ok);
  assert.equal(high.score, MAX_SCORE);
  assert.equal(high.level, "C5");
});

Deno.test("levelForScore follows the bands at their edges", () => {
  for (const band of LEVEL_BANDS) {
    assert.equal(levelForScore(band.minScore), band.level);
    if (band.minScore > 0) assert.notEqual(levelForScore(band.minScore - 1), band.level);
  }
  assert.equal(levelForScore(10), "C1");
  assert.equal(levelForScore(11), "C2");
  assert.equal(levelForScore(20), "C3");
  assert.equal(levelForScore(29), "C4");
  assert.equal(levelForScore(37), "C5");
  assert.ok(MAX_SCORE >= 37);
});

Deno.test("missing and unknown answers are reported per question; extra keys are ignored", () => {
  const answers = answersWith((p) => Math.max(...p));
  delete answers.income;
  answers.horizon = "z";
  const r = scoreAnswers({ ...answers, bogus: "a" });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.deepEqual(Object.keys(r.fields).sort(), ["horizon", "income"]);
  assert.deepEqual(r.fields.income, ["请回答此题"]);
  assert.deepEqual(r.fields.horizon, ["请从选项中选择"]);
  const none = scoreAnswers({});
  assert.ok(!none.ok);
  assert.equal(Object.keys(none.fields).length, QUESTIONS.length);
});

Deno.test("results expire 12 months later, month ends clamped", () => {
  assert.equal(assessmentExpiry(new Date("2026-03-15T10:00:00Z")).toISOString(), "2027-03-15T10:00:00.000Z");
  assert.equal(assessmentExpiry(new Date("2028-02-29T00:00:00Z")).toISOString(), "2029-02-28T00:00:00.000Z");
  assert.equal(assessmentExpiry(new Date("2026-12-31T23:00:00Z")).toISOString(), "2027-12-31T23:00:00.000Z");
});
