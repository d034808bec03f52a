import assert from "node:assert/strict";
import fc from "fast-check";
import { Decimal } from "decimal.js";
import {
  computeSchedule,
  isRepaymentMethod,
  REPAYMENT_METHOD_LABELS,
  REPAYMENT_METHODS,
  type RepaymentMethod,
  roundHalfUp,
  type Schedule,
  type ScheduleInput,
  type SchedulePeriod,
} from "../../../domain/lending/schedule.ts";

/** Shorthand for a period row. */
function row(
  period: number,
  paymentFen: number,
  principalFen: number,
  interestFen: number,
  remainingFen: number,
): SchedulePeriod {
  return { period, paymentFen, principalFen, interestFen, remainingFen };
}

Deno.test("roundHalfUp rounds to the nearest integer, ties away from zero", () => {
  assert.equal(roundHalfUp(5n, 2n), 3n); // 2.5
  assert.equal(roundHalfUp(7n, 2n), 4n); // 3.5
  assert.equal(roundHalfUp(149n, 100n), 1n);
  assert.equal(roundHalfUp(150n, 100n), 2n);
  assert.equal(roundHalfUp(0n, 7n), 0n);
  assert.equal(roundHalfUp(10n, 5n), 2n);
  assert.equal(roundHalfUp(1n, 3n), 0n);
  assert.equal(roundHalfUp(2n, 3n), 1n);
  assert.equal(roundHalfUp(-5n, 2n), -3n); // -2.5 → -3
  assert.equal(roundHalfUp(-4n, 3n), -1n);
  assert.equal(roundHalfUp(5n, -2n), -3n);
  assert.throws(() => roundHalfUp(1n, 0n), RangeError);
});

Deno.test("methods and their Chinese labels", () => {
  assert.deepEqual([...REPAYMENT_METHODS], [
    "equal_installment",
    "equal_principal",
    "interest_first",
    "bullet",
  ]);
  assert.deepEqual(REPAYMENT_METHOD_LABELS, {
    equal_installment: "等额本息",
    equal_principal: "等额本金",
    interest_first: "先息后本",
    bullet: "到期还本付息",
  });
  assert.equal(isRepaymentMethod("bullet"), true);
  assert.equal(isRepaymentMethod("balloon"), false);
  assert.equal(isRepaymentMethod(undefined), false);
});

/** Hand-checked schedules, each compared whole (its method and principal are the input's). */
const EXACT_SCHEDULES: {
  name: string;
  input: ScheduleInput;
  want: Omit<Schedule, "method" | "principalFen">;
}[] = [
  {
    name: "the issue's example: 100 yuan, 7% a year, 6 months, equal installments",
    input: { method: "equal_installment", principalFen: 10000, annualRateMicros: 70000, months: 6 },
    want: {
      totalInterestFen: 205,
      totalPaymentFen: 10205,
      periods: [
        row(1, 1701, 1643, 58, 8357),
        row(2, 1701, 1652, 49, 6705),
        row(3, 1701, 1662, 39, 5043),
        row(4, 1701, 1672, 29, 3371),
        row(5, 1701, 1681, 20, 1690),
        row(6, 1700, 1690, 10, 0),
      ],
    },
  },
  {
    // r = 1%; share = round(10000 / 3) = 3333.
    name: "equal_principal: hand-checked 100 yuan at 12% over 3 months",
    input: { method: "equal_principal", principalFen: 10000, annualRateMicros: 120_000, months: 3 },
    want: {
      totalInterestFen: 200,
      totalPaymentFen: 10200,
      periods: [
        row(1, 3433, 3333, 100, 6667),
        row(2, 3400, 3333, 67, 3334), // 66.67 → 67
        row(3, 3367, 3334, 33, 0), // 33.34 → 33
      ],
    },
  },
  {
    name: "interest_first: interest every month, principal at the end",
    input: { method: "interest_first", principalFen: 10000, annualRateMicros: 120_000, months: 3 },
    want: {
      totalInterestFen: 300,
      totalPaymentFen: 10300,
      periods: [row(1, 100, 0, 100, 10000), row(2, 100, 0, 100, 10000), row(3, 10100, 10000, 100, 0)],
    },
  },
  {
    name: "bullet by months: round(P × r × months) in one period",
    input: { method: "bullet", principalFen: 10000, annualRateMicros: 120_000, months: 3 },
    want: { totalInterestFen: 300, totalPaymentFen: 10300, periods: [row(1, 10300, 10000, 300, 0)] },
  },
];

for (const { name, input, want } of EXACT_SCHEDULES) {
  Deno.test(name, () => {
    assert.deepEqual(computeSchedule(input), {
      method: input.method,
      principalFen: input.principalFen,
      ...want,
    });
  });
}

Deno.test("interest_first: a tie in the monthly interest rounds up", () => {
  // round(P × r) with a tie: 1000 fen × 0.0005 = 0.5 → 1 every month.
  const tie = computeSchedule({
    method: "interest_first",
    principalFen: 1000,
    annualRateMicros: 6000,
    months: 2,
  });
  assert.deepEqual(tie.periods, [row(1, 1, 0, 1, 1000), row(2, 1001, 1000, 1, 0)]);
});

Deno.test("bullet by months: the interest is rounded once, not per month", () => {
  // 10001 × 7% / 12 × 5 = 291.69… → 292 (per-month rounding would give 290).
  const once = computeSchedule({
    method: "bullet",
    principalFen: 10001,
    annualRateMicros: 70_000,
    months: 5,
  });
  assert.equal(once.totalInterestFen, 292);
});

Deno.test("equal_installment matches published mortgage figures (100万元 at 4.9%)", () => {
  // Widely published: 30 years → 5,307.27 a month; 20 years → 6,544.44 a month.
  const thirty = computeSchedule({
    method: "equal_installment",
    principalFen: 100_000_000,
    annualRateMicros: 49_000,
    months: 360,
  });
  assert.equal(thirty.periods[0].paymentFen, 530_727);
  assert.equal(thirty.periods[0].interestFen, 408_333); // 1e8 × 0.049 / 12 = 408,333.33
  assert.equal(thirty.periods.length, 360);
  const twenty = computeSchedule({
    method: "equal_installment",
    principalFen: 100_000_000,
    annualRateMicros: 49_000,
    months: 240,
  });
  assert.equal(twenty.periods[0].paymentFen, 654_444);
});

Deno.test("equal_installment: a tie in the interest rounds up", () => {
  // r = 0.6% / 12 = 0.0005; 1000 fen × r = 0.5 fen → 1; payment = round(1000.5) = 1001.
  const schedule = computeSchedule({
    method: "equal_installment",
    principalFen: 1000,
    annualRateMicros: 6000,
    months: 1,
  });
  assert.deepEqual(schedule.periods, [row(1, 1001, 1000, 1, 0)]);
  assert.equal(schedule.totalInterestFen, 1);
});

Deno.test("equal_installment with a zero rate pays round(P ÷ n), the last period takes the rest", () => {
  const up = computeSchedule({
    method: "equal_installment",
    principalFen: 1000,
    annualRateMicros: 0,
    months: 6,
  });
  assert.deepEqual(up.periods.map((p) => p.paymentFen), [167, 167, 167, 167, 167, 165]);
  assert.equal(up.totalInterestFen, 0);
  assert.equal(up.totalPaymentFen, 1000);
  const down = computeSchedule({
    method: "equal_installment",
    principalFen: 1000,
    annualRateMicros: 0,
    months: 3,
  });
  assert.deepEqual(down.periods, [
    row(1, 333, 333, 0, 667),
    row(2, 333, 333, 0, 334),
    row(3, 334, 334, 0, 0),
  ]);
});

Deno.test("equal_principal matches the published first payment (100万元, 4.9%, 30 years)", () => {
  const schedule = computeSchedule({
    method: "equal_principal",
    principalFen: 100_000_000,
    annualRateMicros: 49_000,
    months: 360,
  });
  assert.deepEqual(schedule.periods[0], row(1, 686_111, 277_778, 408_333, 99_722_222));
  // The last period takes what the 359 rounded-up shares left: 1e8 − 359 × 277,778.
  assert.equal(schedule.periods[359].principalFen, 100_000_000 - 359 * 277_778);
});

Deno.test("bullet by days: round(P × annual × days ÷ 365)", () => {
  // 10000 × 10% × 30 / 365 = 82.19 → 82.
  const schedule = computeSchedule({
    method: "bullet",
    principalFen: 10000,
    annualRateMicros: 100_000,
    days: 30,
  });
  assert.deepEqual(schedule.periods, [row(1, 10082, 10000, 82, 0)]);
  // A full year of days equals the annual rate.
  const year = computeSchedule({
    method: "bullet",
    principalFen: 1_000_000,
    annualRateMicros: 85_000,
    days: 365,
  });
  assert.equal(year.totalInterestFen, 85_000);
  // A tie: 1,500,000 × 0.0365% × 1 / 365 = 1.5 → 2.
  const tie = computeSchedule({ method: "bullet", principalFen: 1_500_000, annualRateMicros: 365, days: 1 });
  assert.equal(tie.totalInterestFen, 2);
  const below = computeSchedule({
    method: "bullet",
    principalFen: 1_499_999,
    annualRateMicros: 365,
    days: 1,
  });
  assert.equal(below.totalInterestFen, 1);
});

Deno.test("compounded rounding drift at a high rate repays the loan early, never below zero", () => {
  // 2,233.32 yuan at 33.6303% over 222 months: the payment rounds up, the drift compounds at 2.8% a month.
  const schedule = computeSchedule({
    method: "equal_installment",
    principalFen: 223_332,
    annualRateMicros: 336_303,
    months: 222,
  });
  assert.deepEqual(schedule.periods.slice(-3), [
    row(220, 6273, 5991, 282, 4086),
    row(221, 4201, 4086, 115, 0),
    row(222, 0, 0, 0, 0),
  ]);
  assert.equal(sum(schedule.periods.map((p) => p.principalFen)), 223_332);
});

Deno.test("a degenerate schedule never repays more principal than remains", () => {
  // round(150 / 100) = 2 fen a month would overshoot after 75 months; the rest of the periods are zero.
  for (const method of ["equal_installment", "equal_principal"] as const) {
    const schedule = computeSchedule({ method, principalFen: 150, annualRateMicros: 0, months: 100 });
    assert.equal(schedule.periods.length, 100);
    assert.equal(schedule.periods[74].remainingFen, 0);
    assert.deepEqual(schedule.periods[75], row(76, 0, 0, 0, 0));
    assert.equal(sum(schedule.periods.map((p) => p.principalFen)), 150);
  }
});

Deno.test("computeSchedule rejects input outside its limits", () => {
  const base: ScheduleInput = {
    method: "equal_installment",
    principalFen: 10000,
    annualRateMicros: 85000,
    months: 12,
  };
  const bad: Partial<ScheduleInput>[] = [
    { principalFen: 0 },
    { principalFen: 10_000_000_001 },
    { principalFen: 100.5 },
    { annualRateMicros: -1 },
    { annualRateMicros: 1_000_001 },
    { annualRateMicros: 8.5 },
    { months: 0 },
    { months: 361 },
    { months: 1.5 },
    { months: undefined },
    { days: 30 }, // days given for equal_installment, and with months
    { method: "bullet", days: 30 }, // both months and days
    { method: "bullet", months: undefined, days: 366 },
    { method: "bullet", months: undefined, days: 0 },
    { method: "balloon" as RepaymentMethod },
  ];
  for (const change of bad) {
    assert.throws(() => computeSchedule({ ...base, ...change }), RangeError, JSON.stringify(change));
  }
  assert.equal(
    computeSchedule({ ...base, method: "bullet", months: undefined, days: 365 }).periods.length,
    1,
  );
  assert.equal(computeSchedule({ ...base, principalFen: 10_000_000_000, months: 360 }).periods.length, 360);
});

// ---------------------------------------------------------------------------------------------------------
// Invariants and a decimal.js reference (60 significant digits) on random input.

const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function roundDec(value: Decimal): number {
  return value.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/** An independent implementation of the rules, in decimal.js with the textbook formula. */
function referenceSchedule(input: ScheduleInput): Schedule {
  const P = input.principalFen;
  const annual = new Dec(input.annualRateMicros).div(1_000_000);
  const r = new Dec(input.annualRateMicros).div(12_000_000);
  const interestOn = (remaining: number) =>
    roundDec(new Dec(remaining).times(input.annualRateMicros).div(12_000_000));
  const rows: { principal: number; interest: number }[] = [];
  const n = input.months ?? 1;
  if (input.method === "bullet") {
    const interest = input.days !== undefined
      ? roundDec(new Dec(P).times(annual).times(input.days).div(365))
      : roundDec(new Dec(P).times(r).times(n));
    rows.push({ principal: P, interest });
  } else if (input.method === "interest_first") {
    const interest = interestOn(P);
    for (let k = 1; k <= n; k++) rows.push({ principal: k === n ? P : 0, interest });
  } else {
    let due: (interest: number) => number;
    if (input.method === "equal_principal") {
      const share = roundDec(new Dec(P).div(n));
      due = () => share;
    } else {
      let payment: number;
      if (r.isZero()) {
        payment = roundDec(new Dec(P).div(n));
      } else {
        const growth = r.plus(1).pow(n);
        payment = roundDec(new Dec(P).times(r).times(growth).div(growth.minus(1)));
      }
      due = (interest) => payment - interest;
    }
    let remaining = P;
    for (let k = 1; k <= n; k++) {
      const interest = interestOn(remaining);
      const principal = k === n ? remaining : Math.min(due(interest), remaining);
      remaining -= principal;
      rows.push({ principal, interest });
    }
  }
  let remaining = P;
  const periods = rows.map((r, i) => {
    remaining -= r.principal;
    return row(i + 1, r.principal + r.interest, r.principal, r.interest, remaining);
  });
  return {
    method: input.method,
    principalFen: P,
    totalInterestFen: sum(rows.map((r) => r.interest)),
    totalPaymentFen: sum(rows.map((r) => r.principal + r.interest)),
    periods,
  };
}

const monthInput = fc.record({
  method: fc.constantFrom<RepaymentMethod>(...REPAYMENT_METHODS),
  principalFen: fc.oneof(fc.integer({ min: 1, max: 10_000_000_000 }), fc.integer({ min: 1, max: 100_000 })),
  annualRateMicros: fc.oneof(fc.integer({ min: 0, max: 360_000 }), fc.integer({ min: 0, max: 1_000_000 })),
  months: fc.oneof(fc.integer({ min: 1, max: 360 }), fc.integer({ min: 1, max: 36 })),
});

const dayInput = fc.record({
  method: fc.constant<RepaymentMethod>("bullet"),
  principalFen: fc.integer({ min: 1, max: 10_000_000_000 }),
  annualRateMicros: fc.integer({ min: 0, max: 1_000_000 }),
  days: fc.integer({ min: 1, max: 365 }),
});

Deno.test("property: the schedule equals the decimal.js reference exactly", () => {
  fc.assert(
    fc.property(fc.oneof(monthInput, dayInput), (input) => {
      assert.deepEqual(computeSchedule(input), referenceSchedule(input));
    }),
    { numRuns: 400 },
  );
});

Deno.test("property: principal sums to P, remaining falls to 0, totals add up", () => {
  fc.assert(
    fc.property(fc.oneof(monthInput, dayInput), (input) => {
      const schedule = computeSchedule(input);
      const periods = schedule.periods;
      assert.equal(periods.length, "months" in input && input.method !== "bullet" ? input.months : 1);
      assert.equal(sum(periods.map((p) => p.principalFen)), input.principalFen);
      assert.equal(schedule.totalInterestFen, sum(periods.map((p) => p.interestFen)));
      assert.equal(schedule.totalPaymentFen, schedule.totalInterestFen + input.principalFen);
      let remaining = input.principalFen;
      for (const [i, p] of periods.entries()) {
        assert.equal(p.period, i + 1);
        assert.ok(Number.isSafeInteger(p.paymentFen) && p.principalFen >= 0 && p.interestFen >= 0);
        assert.equal(p.paymentFen, p.principalFen + p.interestFen);
        remaining -= p.principalFen;
        assert.equal(p.remainingFen, remaining);
        assert.ok(remaining >= 0);
      }
      assert.equal(periods.at(-1)!.remainingFen, 0);
      if (input.annualRateMicros === 0) assert.equal(schedule.totalInterestFen, 0);
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: equal_installment pays the same every month but the last", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 360 }),
      fc.integer({ min: 0, max: 360_000 }),
      fc.integer({ min: 1000, max: 10_000_000 }),
      (months, annualRateMicros, fenPerMonth) => {
        const principalFen = months * fenPerMonth;
        const schedule = computeSchedule({
          method: "equal_installment",
          principalFen,
          annualRateMicros,
          months,
        });
        const first = schedule.periods[0].paymentFen;
        // Equal until the last period — or until the compounded rounding drift repays the loan early, in
        // which case that period repays just the rest and the later periods are zero.
        const paidOff = schedule.periods.findIndex((p) => p.remainingFen === 0);
        for (const p of schedule.periods.slice(0, paidOff)) assert.equal(p.paymentFen, first);
        assert.ok(schedule.periods[paidOff].paymentFen <= first || paidOff === months - 1);
        for (const p of schedule.periods.slice(paidOff + 1)) assert.deepEqual(p, row(p.period, 0, 0, 0, 0));
        if (annualRateMicros <= 120_000) assert.equal(paidOff, months - 1); // no early pay-off up to 12%
        // The exact level payment is within half a fen of what is charged.
        const r = new Dec(annualRateMicros).div(12_000_000);
        const exact = r.isZero()
          ? new Dec(principalFen).div(months)
          : new Dec(principalFen).times(r).times(r.plus(1).pow(months)).div(r.plus(1).pow(months).minus(1));
        assert.ok(exact.minus(first).abs().lte(0.5));
        // Interest falls (or stays) as the principal is repaid.
        for (let k = 1; k < schedule.periods.length; k++) {
          assert.ok(schedule.periods[k].interestFen <= schedule.periods[k - 1].interestFen);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("property: equal_principal repays round(P ÷ n) every month but the last", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 360 }),
      fc.integer({ min: 0, max: 360_000 }),
      fc.integer({ min: 1000, max: 10_000_000 }),
      (months, annualRateMicros, principalFen) => {
        principalFen *= months;
        const schedule = computeSchedule({
          method: "equal_principal",
          principalFen,
          annualRateMicros,
          months,
        });
        const share = Number(roundHalfUp(BigInt(principalFen), BigInt(months)));
        for (const p of schedule.periods.slice(0, -1)) assert.equal(p.principalFen, share);
        assert.equal(schedule.periods.at(-1)!.principalFen, principalFen - share * (months - 1));
      },
    ),
    { numRuns: 200 },
  );
});
