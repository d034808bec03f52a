/**
 * `/account/risk-disclosure` — 风险揭示书: the document, and the investor's confirmation (version and
 * time stored). Not ticking the box re-renders with the message next to it (422).
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import {
  CONFIRM_DISCLOSURE_MESSAGES,
  confirmRiskDisclosure,
  currentDisclosureAcceptance,
  RISK_DISCLOSURE_SECTIONS,
  RISK_DISCLOSURE_TITLE,
  RISK_DISCLOSURE_VERSION,
  type RiskDisclosureAcceptance,
} from "../../domain/investor/risk_disclosure.ts";
import { define, type State } from "../../utils.ts";

interface DisclosurePageData {
  acceptance: RiskDisclosureAcceptance | null;
  error?: string;
  done: boolean;
}

async function render(state: State, extra: { error?: string; done?: boolean }, status = 200) {
  const acceptance = await currentDisclosureAcceptance(state.sql, state.user!.id);
  return page<DisclosurePageData>({ acceptance, error: extra.error, done: extra.done ?? false }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = RISK_DISCLOSURE_TITLE;
    return await render(ctx.state, { done: ctx.url.searchParams.get("done") === "1" });
  },
  async POST(ctx) {
    ctx.state.title = RISK_DISCLOSURE_TITLE;
    const form = await readForm(ctx.req);
    const result = await confirmRiskDisclosure(ctx.state.sql, {
      userId: ctx.state.user!.id,
      version: String(form.get("version") ?? "").slice(0, 40),
      checked: form.get("confirm") === "on",
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect("/account/risk-disclosure?done=1", 303);
    return await render(ctx.state, { error: CONFIRM_DISCLOSURE_MESSAGES[result.code] }, 422);
  },
});

/** The risk disclosure page. */
export default define.page<typeof handler>(({ data, state }) => (
  <>
    <p>
      <a href="/account">‹ 我的账户</a>
    </p>
    <h1>{RISK_DISCLOSURE_TITLE}</h1>
    {data.done && <p class="form-ok" role="status">您已确认风险揭示书。</p>}
    <article class="card prose legal" aria-label={RISK_DISCLOSURE_TITLE}>
      <p class="muted">版本 {RISK_DISCLOSURE_VERSION}</p>
      {RISK_DISCLOSURE_SECTIONS.map((s) => (
        <section>
          <h2>{s.heading}</h2>
          {s.paragraphs.map((p, i) => <p key={i}>{p}</p>)}
        </section>
      ))}
      <p class="risk-note">
        <strong>市场有风险，出借需谨慎。</strong>
      </p>
    </article>
    {data.acceptance
      ? (
        <p class="form-ok" data-field="accepted">
          您已于 <LocalTime at={data.acceptance.acceptedAt} withTime /> 确认本揭示书（版本{" "}
          {data.acceptance.version}）。
        </p>
      )
      : (
        <form method="post" class="card" novalidate>
          <CsrfField token={state.csrfToken} />
          <input type="hidden" name="version" value={RISK_DISCLOSURE_VERSION} />
          <div class="form-field">
            <label class="choice">
              <input
                type="checkbox"
                name="confirm"
                id="f-confirm"
                required
                aria-invalid={data.error ? "true" : undefined}
                aria-describedby={data.error ? "f-confirm-error" : undefined}
              />
              <span>本人已阅读并理解上述风险，愿意自行承担出借风险</span>
            </label>
            {data.error && <p class="field-error" id="f-confirm-error" role="alert">{data.error}</p>}
          </div>
          <button type="submit" class="btn btn-block">确认</button>
        </form>
      )}
  </>
));
