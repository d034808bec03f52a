/**
 * `/calculator` — the public loan calculator (借款计算器). Works without script: the form submits here by
 * GET and the server renders the result; the `Calculator` island then recomputes as the user types.
 * @module
 */
import { page } from "../framework/mod.ts";
import {
  type CalculatorDraft,
  DEFAULT_CALCULATOR_DRAFT,
  draftFromParams,
  hasCalculatorParams,
  parseCalculatorDraft,
} from "../domain/lending/calculator_input.ts";
import Calculator from "../islands/Calculator.tsx";
import { define } from "../utils.ts";

/** GET: read the form (or the defaults) from the query; 400 when the submitted values are invalid. */
export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "借款计算器";
    const draft: CalculatorDraft = hasCalculatorParams(ctx.url.searchParams)
      ? draftFromParams(ctx.url.searchParams)
      : { ...DEFAULT_CALCULATOR_DRAFT };
    // The island shows the same field errors (same rules without zod); the status tells clients.
    const parsed = parseCalculatorDraft(draft);
    return page({ draft }, { status: parsed.ok ? 200 : 400 });
  },
});

/** The calculator page: heading, explanation, and the island (form + result). */
export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>借款计算器</h1>
    <p class="muted">
      输入借款金额、约定年化利率、借款期限和还款方式，查看每期应还本金和利息。利息按月利率（年化利率 ÷
      12）计算，金额四舍五入到分。
    </p>
    <Calculator initial={data.draft} />
  </>
));
