/**
 * `/borrow/applications/:id/confirm` — step 5: check the application, read and sign the credit-report
 * authorisation with the trade password, submit. The automatic review answers at once; the borrower lands
 * on the status page.
 * @module
 */
import {
  ApplicationTermsRows,
  BorrowSteps,
  ownApplicationOr404,
  stepRedirect,
} from "../../../../components/borrow/BorrowSteps.tsx";
import { CsrfField } from "../../../../components/Field.tsx";
import { TradePasswordField } from "../../../../components/TradePasswordField.tsx";
import { HttpError, page, readForm } from "../../../../framework/mod.ts";
import { contactSummary, type LoanApplication } from "../../../../domain/borrowing/application.ts";
import { listDocuments } from "../../../../domain/borrowing/documents.ts";
import {
  CREDIT_AUTHORISATION_TEXT,
  incompleteReason,
  submitApplication,
} from "../../../../domain/borrowing/submit.ts";
import { formatFen } from "../../../../domain/money/format.ts";
import { define, deviceIdFor, type State } from "../../../../utils.ts";

interface ConfirmStepData {
  app: LoanApplication;
  documentCount: number;
  incomplete: string | null;
  errors: Record<string, string[]>;
}

async function render(state: State, app: LoanApplication, errors: Record<string, string[]>, status = 200) {
  const documents = await listDocuments(state.sql, app.id);
  return page<ConfirmStepData>({
    app,
    documentCount: documents.length,
    incomplete: incompleteReason(app, documents),
    errors,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "确认提交";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    const to = stepRedirect(app, "confirm");
    if (to) return ctx.redirect(to, 303);
    return await render(ctx.state, app, {});
  },
  async POST(ctx) {
    ctx.state.title = "确认提交";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    const form = await readForm(ctx.req);
    const r = await submitApplication(ctx.state.sql, {
      gateways: ctx.state.gateways,
      pii: ctx.state.pii,
      outbox: ctx.state.outbox,
    }, {
      userId: ctx.state.user!.id,
      applicationId: app.id,
      tradePassword: String(form.get("tradePassword") ?? "").slice(0, 20),
      authorise: form.get("authorise") === "on",
      ip: ctx.state.clientIp,
      deviceId: deviceIdFor(ctx).deviceId,
    });
    if (r.ok) return ctx.redirect(`/borrow/applications/${app.id}?done=submitted`, 303);
    if (r.code === "not_found") throw new HttpError(404);
    if (r.code === "not_editable") return ctx.redirect(`/borrow/applications/${app.id}`, 303);
    if (r.code === "invalid_input") return await render(ctx.state, app, r.fields, 422);
    return await render(ctx.state, app, { form: [r.message] }, 409);
  },
});

/** Step 5 of the application. */
export default define.page<typeof handler>(({ data, state }) => {
  const { app, errors } = data;
  return (
    <div class="card auth-card">
      <h1>确认提交</h1>
      <BorrowSteps app={app} current="confirm" />
      {errors.form && <p class="form-error" role="alert" data-testid="submit-error">{errors.form[0]}</p>}
      <dl class="kv-list" data-testid="summary">
        <ApplicationTermsRows app={app} />
        <dt>借款用途</dt>
        <dd>{app.purpose ?? "—"}</dd>
        {app.details.business && (
          <>
            <dt>借款企业</dt>
            <dd>{app.details.business.enterpriseName}（{app.details.business.creditCode}）</dd>
          </>
        )}
        <dt>月收入</dt>
        <dd>{app.monthlyIncomeFen !== null ? formatFen(app.monthlyIncomeFen) : "—"}</dd>
        <dt>联系人</dt>
        <dd>{(app.details.contacts ?? []).map(contactSummary).join("；")}</dd>
        <dt>已上传材料</dt>
        <dd>{data.documentCount} 份</dd>
      </dl>
      <p class="muted">
        年利率由审核评级确定，审核通过后在借款详情中展示。借款需按期还款，逾期将产生罚息并影响个人信用。
      </p>
      {data.incomplete
        ? <p class="form-error" role="alert">{data.incomplete}</p>
        : (
          <form method="post" class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <section aria-labelledby="auth-title">
              <h2 id="auth-title">征信查询授权书</h2>
              <p class="agreement-text">{CREDIT_AUTHORISATION_TEXT}</p>
            </section>
            <div class="form-field">
              <label class="choice">
                <input
                  type="checkbox"
                  name="authorise"
                  aria-invalid={errors.authorise ? "true" : undefined}
                  aria-describedby={errors.authorise ? "f-authorise-error" : undefined}
                />
                我已阅读并同意《征信查询授权书》
              </label>
              {errors.authorise && (
                <p class="field-error" id="f-authorise-error" role="alert">{errors.authorise[0]}</p>
              )}
            </div>
            <TradePasswordField errors={errors.tradePassword} />
            <button type="submit" class="btn btn-block">签署授权并提交申请</button>
          </form>
        )}
    </div>
  );
});
