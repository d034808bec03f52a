/**
 * `GET /api/calculator` — the loan calculator as JSON.
 *
 * Query: `principal` (yuan, ≤ 2 decimals), `annualRate` (percent, ≤ 4 decimals), `months` (1–360) or, for
 * `bullet` only, `days` (1–365), `method` (`equal_installment` | `equal_principal` | `interest_first` |
 * `bullet`). 200 → the schedule (`computeSchedule`'s result through `scheduleToJson`: method, principalFen,
 * totalInterestFen, totalPaymentFen, periods[]; amounts as integer fen); 400 → `{"error":{"code":"invalid_input","fields":{"<field>":["<中文>"]}}}`.
 * @module
 */
import { parseCalculatorInput } from "../../domain/lending/calculator_input.ts";
import { computeSchedule, scheduleToJson } from "../../domain/lending/schedule.ts";
import { define } from "../../utils.ts";

/** GET: parse the query (zod), compute the schedule, answer JSON; 400 with field errors. */
export const handler = define.handlers({
  GET(ctx) {
    const input = parseCalculatorInput(ctx.url.searchParams);
    if (!input.ok) {
      return ctx.json({ error: { code: "invalid_input", fields: input.fields } }, { status: 400 });
    }
    return ctx.json(scheduleToJson(computeSchedule(input.value)));
  },
});
