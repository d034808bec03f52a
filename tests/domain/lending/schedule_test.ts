import assert from "node:assert/strict";
import fc from "fast-check";
import { Decimal } from "decimal.js";
import { type Fen, fenFromJson } from "../../../domain/money/fen.ts";
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
  scheduleToJson,
} from "../../../domain/lending/schedule.ts";

/** Shorthand for a period row. */
function row(
  period: number,
  paymentFen: Fen,
  principalFen: Fen,
  interestFen: Fen,
  remainingFen: Fen,
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
    input: { method: "equal_installment", principalFen: 10000n, annualRateMicros: 70000, months: 6 },
    want: {
      totalInterestFen: 205n,
      totalPaymentFen: 10205n,
      periods: [
        row(1, 1701n, 1643n, 58n, 8357n),
        row(2, 1701n, 1652n, 49n, 6705n),
        row(3, 1701n, 1662n, 39n, 5043n),
        row(4, 1701n, 1672n, 29n, 3371n),
        row(5, 1701n, 1681n, 20n, 1690n),
        row(6, 1700n, 1690n, 10n, 0n),
      ],
    },
  },
  {
    // r = 1%; share = round(10000 / 3) = 3333.
    name: "equal_principal: hand-checked 100 yuan at 12% over 3 months",
    input: { method: "equal_principal", principalFen: 10000n, annualRateMicros: 120_000, months: 3 },
    want: {
      totalInterestFen: 200n,
      totalPaymentFen: 10200n,
      periods: [
        row(1, 3433n, 3333n, 100n, 6667n),
        row(2, 3400n, 3333n, 67n, 3334n), // 66.67 → 67
        row(3, 3367n, 3334n, 33n, 0n), // 33.34 → 33
      ],
    },
  },
  {
    name: "interest_first: interest every month, principal at the end",
    input: { method: "interest_first", principalFen: 10000n, annualRateMicros: 120_000, months: 3 },
    want: {
      totalInterestFen: 300n,
      totalPaymentFen: 10300n,
      periods: [
        row(1, 100n, 0n, 100n, 10000n),
        row(2, 100n, 0n, 100n, 10000n),
        row(3, 10100n, 10000n, 100n, 0n),
      ],
    },
  },
  {
    name: "bullet by months: round(P × r × months) in one period",
    input: { method: "bullet", principalFen: 10000n, annualRateMicros: 120_000, months: 3 },
    want: { totalInterestFen: 300n, totalPaymentFen: 10300n, periods: [row(1, 10300n, 10000n, 300n, 0n)] },
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
    principalFen: 1000n,
    annualRateMicros: 6000,
    months: 2,
  });
  assert.deepEqual(tie.periods, [row(1, 1n, 0n, 1n, 1000n), row(2, 1001n, 1000n, 1n, 0n)]);
});

Deno.test("bullet by months: the interest is rounded once, not per month", () => {
  // 10001 × 7% / 12 × 5 = 291.69… → 292 (per-month rounding would give 290).
  const once = computeSchedule({
    method: "bullet",
    principalFen: 10001n,
    annualRateMicros: 70_000,
    months: 5,
  });
  assert.equal(once.totalInterestFen, 292n);
});

Deno.test("equal_installment matches published mortgage figures (100万元 at 4.9%)", () => {
  // Widely published: 30 years → 5,307.27 a month; 20 years → 6,544.44 a month.
  const thirty = computeSchedule({
    method: "equal_installment",
    principalFen: 100_000_000n,
    annualRateMicros: 49_000,
    months: 360,
  });
  assert.equal(thirty.periods[0].paymentFen, 530_727n);
  assert.equal(thirty.periods[0].interestFen, 408_333n); // 1e8 × 0.049 / 12 = 408,333.33
  assert.equal(thirty.periods.length, 360);
  const twenty = computeSchedule({
    method: "equal_installment",
    principalFen: 100_000_000n,
    annualRateMicros: 49_000,
    months: 240,
  });
  assert.equal(twenty.periods[0].paymentFen, 654_444n);
});

Deno.test("equal_installment: a tie in the interest rounds up", () => {
  // r = 0.6% / 12 = 0.0005; 1000 fen × r = 0.5 fen → 1; payment = round(1000.5) = 1001.
  const schedule = computeSchedule({
    method: "equal_installment",
    principalFen: 1000n,
    annualRateMicros: 6000,
    months: 1,
  });
  assert.deepEqual(schedule.periods, [row(1, 1001n, 1000n, 1n, 0n)]);
  assert.equal(schedule.totalInterestFen, 1n);
});

Deno.test("equal_installment with a zero rate pays round(P ÷ n), the last period takes the rest", () => {
  const up = computeSchedule({
    method: "equal_installment",
    principalFen: 1000n,
    annualRateMicros: 0,
    months: 6,
  });
  assert.deepEqual(up.periods.map((p) => p.paymentFen), [167n, 167n, 167n, 167n, 167n, 165n]);
  assert.equal(up.totalInterestFen, 0n);
  assert.equal(up.totalPaymentFen, 1000n);
  const down = computeSchedule({
    method: "equal_installment",
    principalFen: 1000n,
    annualRateMicros: 0,
    months: 3,
  });
  assert.deepEqual(down.periods, [
    row(1, 333n, 333n, 0n, 667n),
    row(2, 333n, 333n, 0n, 334n),
    row(3, 334n, 334n, 0n, 0n),
  ]);
});

Deno.test("equal_principal matches the published first payment (100万元, 4.9%, 30 years)", () => {
  const schedule = computeSchedule({
    method: "equal_principal",
    principalFen: 100_000_000n,
    annualRateMicros: 49_000,
    months: 360,
  });
  assert.deepEqual(schedule.periods[0], row(1, 686_111n, 277_778n, 408_333n, 99_722_222n));
  // The last period takes what the 359 rounded-up shares left: 1e8 − 359 × 277,778.
  assert.equal(schedule.periods[359].principalFen, 100_000_000n - 359n * 277_778n);
});

Deno.test("bullet by days: round(P × annual × days ÷ 365)", () => {
  // 10000 × 10% × 30 / 365 = 82.19 → 82.
  const schedule = computeSchedule({
    method: "bullet",
    principalFen: 10000n,
    annualRateMicros: 100_000,
    days: 30,
  });
  assert.deepEqual(schedule.periods, [row(1, 10082n, 10000n, 82n, 0n)]);
  // A full year of days equals the annual rate.
  const year = computeSchedule({
    method: "bullet",
    principalFen: 1_000_000n,
    annualRateMicros: 85_000,
    days: 365,
  });
  assert.equal(year.totalInterestFen, 85_000n);
  // A tie: 1,500,000 × 0.0365% × 1 / 365 = 1.5 → 2.
  const tie = computeSchedule({ method: "bullet", principalFen: 1_500_000n, annualRateMicros: 365, days: 1 });
  assert.equal(tie.totalInterestFen, 2n);
  const below = computeSchedule({
    method: "bullet",
    principalFen: 1_499_999n,
    annualRateMicros: 365,
    days: 1,
  });
  assert.equal(below.totalInterestFen, 1n);
});

Deno.test("compounded rounding drift at a high rate repays the loan early, never below zero", () => {
  // 2,233.32 yuan at 33.6303% over 222 months: the payment rounds up, the drift compounds at 2.8% a month.
  const schedule = computeSchedule({
    method: "equal_installment",
    principalFen: 223_332n,
    annualRateMicros: 336_303,
    months: 222,
  });
  assert.deepEqual(schedule.periods.slice(-3), [
    row(220, 6273n, 5991n, 282n, 4086n),
    row(221, 4201n, 4086n, 115n, 0n),
    row(222, 0n, 0n, 0n, 0n),
  ]);
  assert.equal(sum(schedule.periods.map((p) => p.principalFen)), 223_332n);
});

Deno.test("a degenerate schedule never repays more principal than remains", () => {
  // round(150 / 100) = 2 fen a month would overshoot after 75 months; the rest of the periods are zero.
  for (const method of ["equal_installment", "equal_principal"] as const) {
    const schedule = computeSchedule({ method, principalFen: 150n, annualRateMicros: 0, months: 100 });
    assert.equal(schedule.periods.length, 100);
    assert.equal(schedule.periods[74].remainingFen, 0n);
    assert.deepEqual(schedule.periods[75], row(76, 0n, 0n, 0n, 0n));
    assert.equal(sum(schedule.periods.map((p) => p.principalFen)), 150n);
  }
});

Deno.test("computeSchedule rejects input outside its limits", () => {
  const base: ScheduleInput = {
    method: "equal_installment",
    principalFen: 10000n,
    annualRateMicros: 85000,
    months: 12,
  };
  const bad: Partial<ScheduleInput>[] = [
    { principalFen: 0n },
    { principalFen: 10_000_000_001n },
    { principalFen: 100.5 as unknown as Fen }, // not a bigint
    { principalFen: 10000 as unknown as Fen }, // an integer, but a number: amounts are Fen
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
    assert.throws(
      () => computeSchedule({ ...base, ...change }),
      RangeError,
      JSON.stringify(change, (_, v) => typeof v === "bigint" ? `${v}n` : v),
    );
  }
  assert.equal(
    computeSchedule({ ...base, method: "bullet", months: undefined, days: 365 }).periods.length,
    1,
  );
  assert.equal(computeSchedule({ ...base, principalFen: 10_000_000_000n, months: 360 }).periods.length, 360);
});

// ---------------------------------------------------------------------------------------------------------
// Invariants and a decimal.js reference (60 significant digits) on random input.

const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });

function sum(values: Fen[]): Fen {
  return values.reduce((a, b) => a + b, 0n);
}

function roundDec(value: Decimal): number {
  return value.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/**
 * An independent implementation of the rules, in decimal.js with the textbook formula (amounts as
 * plain numbers of fen, all exact below 2^53; converted to `Fen` only at the end).
 */
function referenceSchedule(input: ScheduleInput): Schedule {
  const P = Number(input.principalFen);
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
    return row(
      i + 1,
      BigInt(r.principal + r.interest),
      BigInt(r.principal),
      BigInt(r.interest),
      BigInt(remaining),
    );
  });
  return {
    method: input.method,
    principalFen: BigInt(P),
    totalInterestFen: BigInt(rows.reduce((a, r) => a + r.interest, 0)),
    totalPaymentFen: BigInt(rows.reduce((a, r) => a + r.principal + r.interest, 0)),
    periods,
  };
}

const monthInput = fc.record({
  method: fc.constantFrom<RepaymentMethod>(...REPAYMENT_METHODS),
  principalFen: fc.oneof(fc.bigInt({ min: 1n, max: 10_000_000_000n }), fc.bigInt({ min: 1n, max: 100_000n })),
  annualRateMicros: fc.oneof(fc.integer({ min: 0, max: 360_000 }), fc.integer({ min: 0, max: 1_000_000 })),
  months: fc.oneof(fc.integer({ min: 1, max: 360 }), fc.integer({ min: 1, max: 36 })),
});

const dayInput = fc.record({
  method: fc.constant<RepaymentMethod>("bullet"),
  principalFen: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
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
        assert.ok(typeof p.paymentFen === "bigint" && p.principalFen >= 0n && p.interestFen >= 0n);
        assert.equal(p.paymentFen, p.principalFen + p.interestFen);
        remaining -= p.principalFen;
        assert.equal(p.remainingFen, remaining);
        assert.ok(remaining >= 0);
      }
      assert.equal(periods.at(-1)!.remainingFen, 0n);
      if (input.annualRateMicros === 0) assert.equal(schedule.totalInterestFen, 0n);
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
        const principalFen = BigInt(months * fenPerMonth);
        const schedule = computeSchedule({
          method: "equal_installment",
          principalFen,
          annualRateMicros,
          months,
        });
        const first = schedule.periods[0].paymentFen;
        // Equal until the last period — or until the compounded rounding drift repays the loan early, in
        // which case that period repays just the rest and the later periods are zero.
        const paidOff = schedule.periods.findIndex((p) => p.remainingFen === 0n);
        for (const p of schedule.periods.slice(0, paidOff)) assert.equal(p.paymentFen, first);
        assert.ok(schedule.periods[paidOff].paymentFen <= first || paidOff === months - 1);
        for (const p of schedule.periods.slice(paidOff + 1)) {
          assert.deepEqual(p, row(p.period, 0n, 0n, 0n, 0n));
        }
        if (annualRateMicros <= 120_000) assert.equal(paidOff, months - 1); // no early pay-off up to 12%
        // The exact level payment is within half a fen of what is charged.
        const r = new Dec(annualRateMicros).div(12_000_000);
        const exact = r.isZero()
          ? new Dec(principalFen.toString()).div(months)
          : new Dec(principalFen.toString()).times(r).times(r.plus(1).pow(months)).div(
            r.plus(1).pow(months).minus(1),
          );
        assert.ok(exact.minus(first.toString()).abs().lte(0.5));
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
      (months, annualRateMicros, fenPerMonth) => {
        const principalFen = BigInt(fenPerMonth * months);
        const schedule = computeSchedule({
          method: "equal_principal",
          principalFen,
          annualRateMicros,
          months,
        });
        const share = roundHalfUp(principalFen, BigInt(months));
        for (const p of schedule.periods.slice(0, -1)) assert.equal(p.principalFen, share);
        assert.equal(schedule.periods.at(-1)!.principalFen, principalFen - share * BigInt(months - 1));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("scheduleToJson writes every amount as an integer number of fen, same field names", () => {
  const schedule = computeSchedule({
    method: "equal_installment",
    principalFen: 10000n,
    annualRateMicros: 70000,
    months: 6,
  });
  const json = scheduleToJson(schedule);
  assert.deepEqual(json.periods[0], {
    period: 1,
    paymentFen: 1701,
    principalFen: 1643,
    interestFen: 58,
    remainingFen: 8357,
  });
  assert.deepEqual(Object.keys(json), [
    "method",
    "principalFen",
    "totalInterestFen",
    "totalPaymentFen",
    "periods",
  ]);
  assert.ok(
    JSON.stringify(json).startsWith(
      '{"method":"equal_installment","principalFen":10000,"totalInterestFen":205,"totalPaymentFen":10205,',
    ),
  );
  // Bigints never reach JSON.stringify unconverted (it would throw).
  assert.throws(() => JSON.stringify(schedule), TypeError);
});

Deno.test("property: scheduleToJson round-trips through JSON to the same Fen values", () => {
  fc.assert(
    fc.property(fc.oneof(monthInput, dayInput), (input) => {
      const schedule = computeSchedule(input);
      const back = JSON.parse(JSON.stringify(scheduleToJson(schedule)));
      assert.equal(fenFromJson(back.principalFen), schedule.principalFen);
      assert.equal(fenFromJson(back.totalInterestFen), schedule.totalInterestFen);
      assert.equal(fenFromJson(back.totalPaymentFen), schedule.totalPaymentFen);
      for (const [i, p] of schedule.periods.entries()) {
        assert.deepEqual(back.periods[i], {
          period: p.period,
          paymentFen: Number(p.paymentFen),
          principalFen: Number(p.principalFen),
          interestFen: Number(p.interestFen),
          remainingFen: Number(p.remainingFen),
        });
      }
    }),
    { numRuns: 100 },
  );
});
