import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CALCULATOR_MESSAGES as M,
  type CalculatorDraft,
  DEFAULT_CALCULATOR_DRAFT,
  draftFromParams,
  draftToQuery,
  hasCalculatorParams,
  parseCalculatorDraft,
  parseCalculatorInput,
  validateCalculatorDraft,
  validateCalculatorQuery,
} from "../../../domain/lending/calculator_input.ts";

const valid = { principal: "100", annualRate: "7", months: "6", method: "equal_installment" };

Deno.test("parseCalculatorInput turns a valid query into schedule input", () => {
  assert.deepEqual(parseCalculatorInput(new URLSearchParams(valid)), {
    ok: true,
    value: { method: "equal_installment", principalFen: 10000n, annualRateMicros: 70000, months: 6 },
  });
  assert.deepEqual(
    parseCalculatorInput({ principal: "1,234.56", annualRate: "8.5%", days: "30", method: "bullet" }),
    { ok: true, value: { method: "bullet", principalFen: 123456n, annualRateMicros: 85000, days: 30 } },
  );
  // Bounds are inclusive; an empty days next to months counts as absent; unknown keys are ignored.
  assert.deepEqual(
    parseCalculatorInput({
      principal: "100000000",
      annualRate: "36",
      months: "360",
      days: "",
      method: "bullet",
      extra: "x",
    }),
    {
      ok: true,
      value: { method: "bullet", principalFen: 10_000_000_000n, annualRateMicros: 360000, months: 360 },
    },
  );
  assert.deepEqual(parseCalculatorInput({ ...valid, annualRate: "0", months: "1" }), {
    ok: true,
    value: { method: "equal_installment", principalFen: 10000n, annualRateMicros: 0, months: 1 },
  });
});

Deno.test("parseCalculatorInput reports every bad field with a Chinese message", () => {
  assert.deepEqual(parseCalculatorInput({}), {
    ok: false,
    fields: {
      principal: [M.principalFormat],
      annualRate: [M.annualRateFormat],
      method: [M.method],
      months: [M.months],
    },
  });
  assert.equal(M.principalFormat, "请输入借款金额，最多两位小数");
  const cases: [Record<string, string>, Record<string, string[]>][] = [
    [{ principal: "1.234" }, { principal: [M.principalFormat] }],
    [{ principal: "abc" }, { principal: [M.principalFormat] }],
    [{ principal: "-5" }, { principal: [M.principalFormat] }],
    [{ principal: "0" }, { principal: [M.principalPositive] }],
    [{ principal: "0.00" }, { principal: [M.principalPositive] }],
    [{ principal: "100000000.01" }, { principal: [M.principalMax] }],
    [{ annualRate: "8.12345" }, { annualRate: [M.annualRateFormat] }],
    [{ annualRate: "36.0001" }, { annualRate: [M.annualRateMax] }],
    [{ annualRate: "" }, { annualRate: [M.annualRateFormat] }],
    [{ months: "0" }, { months: [M.months] }],
    [{ months: "361" }, { months: [M.months] }],
    [{ months: "1.5" }, { months: [M.months] }],
    [{ months: "12a" }, { months: [M.months] }],
    [{ months: "" }, { months: [M.months] }],
    [{ method: "balloon" }, { method: [M.method] }],
    [{ months: "", days: "30" }, { days: [M.daysNotBullet] }],
    [{ method: "bullet", days: "30" }, { days: [M.bothTerms] }],
    [{ method: "bullet", months: "", days: "366" }, { days: [M.days] }],
    [{ method: "bullet", months: "", days: "0" }, { days: [M.days] }],
    [{ method: "bullet", months: "", days: "" }, { months: [M.months] }],
  ];
  for (const [change, fields] of cases) {
    assert.deepEqual(
      parseCalculatorInput({ ...valid, ...change }),
      { ok: false, fields },
      JSON.stringify(change),
    );
  }
});

Deno.test("the zod path and the zod-free path agree on any input", () => {
  const text = fc.oneof(
    fc.constantFrom(
      "",
      "0",
      "1",
      "7",
      "8.5",
      "36",
      "36.0001",
      "360",
      "361",
      "365",
      "366",
      "1.234",
      "100000000",
    ),
    fc.stringMatching(/^[0-9.,%]{0,8}$/),
    fc.string({ maxLength: 6 }),
  );
  const query = fc.record({
    principal: text,
    annualRate: text,
    months: text,
    days: text,
    method: fc.constantFrom("equal_installment", "equal_principal", "interest_first", "bullet", "", "x"),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(query, (q) => {
      const record: Record<string, string> = {};
      for (const [k, v] of Object.entries(q)) if (v !== undefined) record[k] = v;
      assert.deepEqual(parseCalculatorInput(record), validateCalculatorQuery(q));
      assert.deepEqual(parseCalculatorInput(new URLSearchParams(record)), validateCalculatorQuery(q));
    }),
    { numRuns: 500 },
  );
});

Deno.test("drafts: read from the form or the API keys, and back", () => {
  assert.deepEqual(
    draftFromParams(new URLSearchParams("principal=100&annualRate=7&months=6&method=bullet")),
    {
      principal: "100",
      annualRate: "7",
      term: "6",
      termUnit: "month",
      method: "bullet",
    },
  );
  assert.deepEqual(draftFromParams(new URLSearchParams("days=30")), {
    principal: "",
    annualRate: "",
    term: "30",
    termUnit: "day",
    method: "",
  });
  assert.deepEqual(
    draftFromParams(new URLSearchParams("term=45&termUnit=day&method=bullet")).termUnit,
    "day",
  );
  assert.deepEqual(draftFromParams(new URLSearchParams("term=4&termUnit=week")).termUnit, "month");
  assert.deepEqual(draftToQuery({ ...DEFAULT_CALCULATOR_DRAFT, termUnit: "day", term: "30" }), {
    principal: "10000",
    annualRate: "8.5",
    method: "equal_installment",
    days: "30",
  });
  assert.equal(hasCalculatorParams(new URLSearchParams("")), false);
  assert.equal(hasCalculatorParams(new URLSearchParams("utm_source=x")), false);
  assert.equal(hasCalculatorParams(new URLSearchParams("principal=")), true);
});

Deno.test("drafts: errors are keyed by the form's field names", () => {
  assert.deepEqual(parseCalculatorDraft(DEFAULT_CALCULATOR_DRAFT), {
    ok: true,
    value: { method: "equal_installment", principalFen: 1_000_000n, annualRateMicros: 85000, months: 12 },
  });
  const bad: CalculatorDraft = {
    principal: "1.234",
    annualRate: "40",
    term: "30",
    termUnit: "day",
    method: "",
  };
  const expected = {
    ok: false,
    fields: {
      principal: [M.principalFormat],
      annualRate: [M.annualRateMax],
      method: [M.method],
      term: [M.days],
    },
  };
  // With no valid method, a term in days is only range-checked.
  assert.deepEqual(parseCalculatorDraft({ ...bad, term: "400" }), expected);
  assert.deepEqual(validateCalculatorDraft({ ...bad, term: "400" }), expected);
  assert.deepEqual(validateCalculatorDraft({ ...DEFAULT_CALCULATOR_DRAFT, termUnit: "day", term: "30" }), {
    ok: false,
    fields: { term: [M.daysNotBullet] },
  });
  assert.deepEqual(
    validateCalculatorDraft({ ...DEFAULT_CALCULATOR_DRAFT, method: "bullet", termUnit: "day", term: "30" }),
    { ok: true, value: { method: "bullet", principalFen: 1_000_000n, annualRateMicros: 85000, days: 30 } },
  );
});
