/**
 * `/borrow/applications/:id/loan` — step 2: amount, term, repayment method and purpose, checked against
 * the product and the platform borrowing cap. Saved to the draft; then the profile step.
 * @module
 */
import {
  BorrowSteps,
  ownApplicationOr404,
  stepHref,
  stepRedirect,
} from "../../../../components/borrow/BorrowSteps.tsx";
import { CsrfField, Field, SelectField } from "../../../../components/Field.tsx";
import { HttpError, page, readForm } from "../../../../framework/mod.ts";
import {
  APPLICATION_MESSAGES,
  type LoanApplication,
  type LoanTermsInput,
  saveLoanTerms,
  yuanText,
} from "../../../../domain/borrowing/application.ts";
import { getProduct, type LoanProduct } from "../../../../domain/lending/products.ts";
import { REPAYMENT_METHOD_LABELS } from "../../../../domain/lending/schedule.ts";
import { formatFen } from "../../../../domain/money/format.ts";
import { define, formText, type State } from "../../../../utils.ts";

interface LoanStepData {
  app: LoanApplication;
  product: LoanProduct;
  values: LoanTermsInput;
  errors: Record<string, string[]>;
}

async function load(state: State, id: string) {
  const app = await ownApplicationOr404(state, id);
  const product = await getProduct(state.sql, app.productId);
  if (!product) throw new HttpError(404);
  return { app, product };
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "借款信息";
    const { app, product } = await load(ctx.state, ctx.params.id);
    const to = stepRedirect(app, "loan");
    if (to) return ctx.redirect(to, 303);
    return page<LoanStepData>({
      app,
      product,
      values: {
        amountYuan: app.amountFen !== null ? yuanText(app.amountFen) : "",
        termCount: app.termCount !== null ? String(app.termCount) : "",
        method: app.method ?? (product.methods.length === 1 ? product.methods[0] : ""),
        purpose: app.purpose ?? "",
      },
      errors: {},
    });
  },
  async POST(ctx) {
    ctx.state.title = "借款信息";
    const { app, product } = await load(ctx.state, ctx.params.id);
    const form = await readForm(ctx.req);
    const text = formText<keyof LoanTermsInput>(form);
    const values: LoanTermsInput = {
      amountYuan: text("amountYuan", 30),
      termCount: text("termCount", 5),
      method: text("method", 30),
      purpose: text("purpose", 400),
    };
    const r = await saveLoanTerms(ctx.state.sql, {
      userId: ctx.state.user!.id,
      applicationId: app.id,
      ...values,
    });
    if (r.ok) return ctx.redirect(stepHref(app.id, "profile"), 303);
    if (r.code === "invalid_input") {
      return page<LoanStepData>({ app, product, values, errors: r.fields }, { status: 422 });
    }
    if (r.code === "not_found") throw new HttpError(404);
    return page<LoanStepData>({ app, product, values, errors: { form: [APPLICATION_MESSAGES[r.code]] } }, {
      status: 409,
    });
  },
});

/** Step 2 of the application. */
export default define.page<typeof handler>(({ data, state }) => {
  const { app, product, values, errors } = data;
  const unit = product.termUnit === "month" ? "个月" : "天";
  return (
    <div class="card auth-card">
      <h1>借款信息</h1>
      <BorrowSteps app={app} current="loan" />
      <p class="muted">{product.name}</p>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" class="stack" novalidate>
        <CsrfField token={state.csrfToken} />
        <Field
          name="amountYuan"
          label="借款金额（元）"
          inputMode="decimal"
          value={values.amountYuan}
          maxLength={20}
          required
          hint={`${formatFen(product.minAmountFen)} – ${formatFen(product.maxAmountFen)}`}
          errors={errors.amountYuan}
        />
        <SelectField
          name="termCount"
          label="借款期限"
          value={values.termCount}
          emptyLabel="请选择"
          required
          options={product.terms.map((t) => [String(t), `${t} ${unit}`] as const)}
          errors={errors.termCount}
        />
        <SelectField
          name="method"
          label="还款方式"
          value={values.method}
          emptyLabel="请选择"
          required
          options={product.methods.map((m) => [m, REPAYMENT_METHOD_LABELS[m]] as const)}
          errors={errors.method}
        />
        <Field
          name="purpose"
          label="借款用途"
          value={values.purpose}
          maxLength={200}
          required
          hint="如：装修、购车、进货周转。借款不得用于购房、炒股等禁止用途"
          errors={errors.purpose}
        />
        <button type="submit" class="btn btn-block">保存，下一步</button>
      </form>
    </div>
  );
});
