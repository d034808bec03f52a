/**
 * `/account/top-up` — 充值: amount, channel (快捷支付 / 支付宝 / 微信支付) and the trade password → a top-up
 * order, then the channel's checkout page. The form carries an idempotency key made when it is first shown
 * and kept on every re-render, so a double click or a resubmitted form makes one order (and the same
 * payment page). Below the form: the user's recent orders with their states.
 *
 * Needs a verified identity, an open custody account and an active account; the page says what is missing.
 */
import { page, readForm } from "../../../framework/mod.ts";
import { TopUpForm, TopUpList, type TopUpValues } from "../../../components/payments/TopUpForm.tsx";
import {
  checkTradePassword,
  TRADE_PASSWORD_MESSAGES,
  tradePasswordErrorMessage,
} from "../../../domain/accounts/trade_password.ts";
import { PAYMENT_CHANNELS, type PaymentChannel } from "../../../domain/gateways/payment.ts";
import { formatFen } from "../../../domain/money/format.ts";
import {
  createTopUpOrder,
  findTopUpOrderByKey,
  listTopUpOrders,
  parseTopUpAmount,
  TOP_UP_DAILY_MAX_FEN,
  TOP_UP_MESSAGES,
  TOP_UP_MIN_FEN,
  topUpCheckoutUrl,
  type TopUpOrder,
  topUpReadiness,
} from "../../../domain/payments/top_up.ts";
import { currentFee, describeFeeRule } from "../../../domain/payments/fees.ts";
import { define, formText, type State } from "../../../utils.ts";

const LIMITS_TEXT =
  `单笔最低 ${formatFen(TOP_UP_MIN_FEN)}，每日合计不超过 ${formatFen(TOP_UP_DAILY_MAX_FEN)}。` +
  "支付成功后由银行存管入账。";

async function render(
  state: State,
  partial: { values?: TopUpValues; errors?: Record<string, string[]> },
  status = 200,
) {
  const userId = state.user!.id;
  const [readiness, list, fee] = await Promise.all([
    topUpReadiness(state.sql, userId),
    listTopUpOrders(state.sql, userId, { limit: 10 }),
    currentFee(state.sql, "top_up"),
  ]);
  return page({
    values: partial.values ?? { amountYuan: "", channel: "quick_pay", idempotencyKey: crypto.randomUUID() },
    errors: partial.errors ?? {},
    readiness,
    orders: list.rows,
    limitsText: `充值手续费：${fee ? describeFeeRule(fee.rule) : "免费"}。${LIMITS_TEXT}`,
  }, { status });
}

function valuesOf(form: FormData): TopUpValues {
  const text = formText(form);
  const key = text("idempotencyKey", 100);
  return {
    amountYuan: text("amountYuan", 30),
    channel: text("channel", 20),
    idempotencyKey: key || crypto.randomUUID(),
  };
}

/** Where the user goes next for an order: its checkout page while unpaid, else its result page. */
async function nextFor(state: State, order: TopUpOrder): Promise<string> {
  if (order.status === "pending") return await topUpCheckoutUrl(state.gateways.payments, order);
  return `/account/top-up/${order.id}`;
}

/** The order of `key` once a concurrent copy of the form has made it (up to {@link CONCURRENT_COPY_WAIT_MS}). */
async function awaitOrderByKey(state: State, userId: string, key: string): Promise<TopUpOrder | null> {
  const deadline = Date.now() + CONCURRENT_COPY_WAIT_MS;
  for (;;) {
    const order = await findTopUpOrderByKey(state.sql, userId, key);
    if (order || Date.now() >= deadline) return order;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How long a locked copy of a form waits for its first copy's order. */
const CONCURRENT_COPY_WAIT_MS = 2_000;

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "充值";
    return await render(ctx.state, {});
  },
  async POST(ctx) {
    ctx.state.title = "充值";
    const form = await readForm(ctx.req);
    const values = valuesOf(form);
    const userId = ctx.state.user!.id;
    // a resubmitted or double-clicked form: the first order
    const earlier = await findTopUpOrderByKey(ctx.state.sql, userId, values.idempotencyKey);
    if (earlier) return ctx.redirect(await nextFor(ctx.state, earlier), 303);

    const errors: Record<string, string[]> = {};
    const amount = parseTopUpAmount(values.amountYuan);
    if (!amount.ok) errors.amountYuan = [TOP_UP_MESSAGES[amount.code]];
    const channel = PAYMENT_CHANNELS.find((c) => c === values.channel) as PaymentChannel | undefined;
    if (!channel) errors.channel = [TOP_UP_MESSAGES.channel_invalid];
    const password = String(form.get("tradePassword") ?? "").slice(0, 20);
    if (password === "") errors.tradePassword = [TRADE_PASSWORD_MESSAGES.required];
    if (!amount.ok || !channel || password === "") return await render(ctx.state, { values, errors }, 422);

    const readiness = await topUpReadiness(ctx.state.sql, userId);
    if (!readiness.identityVerified || !readiness.custodyOpen || !readiness.active) {
      const code = !readiness.active
        ? "account_frozen"
        : !readiness.identityVerified
        ? "identity_required"
        : "no_custody_account";
      return await render(ctx.state, { values, errors: { form: [TOP_UP_MESSAGES[code]] } }, 422);
    }
    const check = await checkTradePassword(ctx.state.sql, { userId, password, ip: ctx.state.clientIp });
    if (!check.ok && check.code === "locked") {
      // copies of one form sent at once: the attempts in flight lock the check for the later copies while
      // the first is being processed — answer them with the first copy's order when it appears
      const first = await awaitOrderByKey(ctx.state, userId, values.idempotencyKey);
      if (first) return ctx.redirect(await nextFor(ctx.state, first), 303);
    }
    if (!check.ok) {
      return await render(ctx.state, {
        values,
        errors: { tradePassword: [tradePasswordErrorMessage(check)] },
      }, 422);
    }
    const result = await createTopUpOrder(ctx.state.sql, {
      userId,
      amountFen: amount.amountFen,
      channel,
      idempotencyKey: values.idempotencyKey,
      tradePasswordVerified: true,
    });
    if (result.ok) return ctx.redirect(await nextFor(ctx.state, result.order), 303);
    const field = ["amount_too_small", "daily_limit", "fee_exceeds_amount"].includes(result.code)
      ? "amountYuan"
      : "form";
    return await render(ctx.state, { values, errors: { [field]: [TOP_UP_MESSAGES[result.code]] } }, 422);
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { readiness } = data;
  return (
    <>
      <h1>充值</h1>
      {!readiness.identityVerified && (
        <p class="form-error" role="alert">
          {TOP_UP_MESSAGES.identity_required}，<a href="/account/identity">去认证</a>
        </p>
      )}
      {readiness.identityVerified && !readiness.custodyOpen && (
        <p class="form-error" role="alert">{TOP_UP_MESSAGES.no_custody_account}</p>
      )}
      {!readiness.active && <p class="form-error" role="alert">{TOP_UP_MESSAGES.account_frozen}</p>}
      <section class="card">
        <TopUpForm
          csrfToken={state.csrfToken}
          values={data.values}
          errors={data.errors}
          limitsText={data.limitsText}
        />
      </section>
      <section class="card">
        <h2>最近充值</h2>
        <TopUpList rows={data.orders} />
        <p class="muted">
          待支付的订单 30 分钟后过期。资金明细见<a href="/account/records">交易记录</a>。
        </p>
      </section>
    </>
  );
});
