/**
 * `/sandbox-pay/[token]` — the sandbox payment channels' cashier (沙箱收银台), standing in for the bank's
 * quick-pay page, Alipay or WeChat Pay. The token is the signed checkout request our top-up page made
 * (domain/gateways/payment.ts). The user confirms (确认支付) or cancels (取消支付); the sandbox then calls
 * back `POST /api/callbacks/payment` (signed) and sends the user to our result page. With a real provider
 * (no sandbox) this page is 404.
 */
import { HttpError, page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { PAYMENT_CHANNEL_NAMES, type SandboxPayment } from "../../domain/gateways/payment.ts";
import { formatFen } from "../../domain/money/format.ts";
import { define, type State } from "../../utils.ts";

async function openPayment(state: State, token: string): Promise<SandboxPayment> {
  const sandbox = state.gateways.payments.sandbox;
  if (!sandbox || token.length > 2000) throw new HttpError(404);
  const payment = await sandbox.open(token);
  if (!payment) throw new HttpError(404);
  return payment;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "沙箱收银台";
    const payment = await openPayment(ctx.state, ctx.params.token);
    return page({ payment, error: null as string | null });
  },
  async POST(ctx) {
    ctx.state.title = "沙箱收银台";
    const payment = await openPayment(ctx.state, ctx.params.token);
    const form = await readForm(ctx.req);
    const decision = form.get("decision") === "paid" ? "paid" : "cancelled";
    const result = await ctx.state.gateways.payments.sandbox!.decide(payment.id, decision);
    if (!result.ok) {
      return page({ payment, error: "支付已超时，请返回商户重新下单" }, { status: 422 });
    }
    return ctx.redirect(result.payment.returnPath, 303);
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { payment, error } = data;
  const decided = payment.status !== "pending";
  return (
    <section class="card sandbox-pay" data-testid="sandbox-pay">
      <p class="form-error" role="note">
        <strong>沙箱</strong> 这是模拟的支付页面，不会扣除真实资金。
      </p>
      <h1>{PAYMENT_CHANNEL_NAMES[payment.channel]}（沙箱）</h1>
      <dl class="summary">
        <dt>商品</dt>
        <dd>{payment.subject}</dd>
        <dt>商户订单号</dt>
        <dd>{payment.merchantOrderNo}</dd>
        <dt>支付金额</dt>
        <dd>
          <strong data-testid="pay-amount">{formatFen(payment.amountFen)}</strong>
        </dd>
        <dt>支付截止</dt>
        <dd>
          <LocalTime at={payment.expiresAt} withTime />
        </dd>
      </dl>
      {error && <p class="form-error" role="alert">{error}</p>}
      {decided
        ? (
          <p>
            该订单已{payment.status === "paid" ? "支付" : "取消"}。<a href={payment.returnPath}>返回商户</a>
          </p>
        )
        : (
          <form method="post" class="btn-row">
            <CsrfField token={state.csrfToken} />
            <button type="submit" name="decision" value="paid" class="btn">确认支付</button>
            <button type="submit" name="decision" value="cancelled" class="btn btn-secondary">
              取消支付
            </button>
          </form>
        )}
    </section>
  );
});
