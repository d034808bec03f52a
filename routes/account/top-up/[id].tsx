/**
 * `/account/top-up/[id]` — one top-up order's result: 待支付 (with the link back to the payment page),
 * 银行入账中, 充值成功, 充值失败 or 已过期. The channel sends the user back here after paying; the money is
 * credited only by the callbacks, so a page still waiting refreshes itself every few seconds.
 */
import { HttpError, page } from "../../../framework/mod.ts";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { PAYMENT_CHANNEL_NAMES } from "../../../domain/gateways/payment.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { getTopUpOrder, TOP_UP_STATUS_LABELS, topUpCheckoutUrl } from "../../../domain/payments/top_up.ts";
import { define } from "../../../utils.ts";

const FAILURE_REASONS: Record<string, string> = {
  cancelled: "您已取消支付",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "充值结果";
    const order = await getTopUpOrder(ctx.state.sql, ctx.state.user!.id, ctx.params.id);
    if (!order) throw new HttpError(404);
    const payUrl = order.status === "pending"
      ? await topUpCheckoutUrl(ctx.state.gateways.payments, order)
      : null;
    return page({ order, payUrl });
  },
});

export default define.page<typeof handler>(({ data }) => {
  const { order, payUrl } = data;
  const waiting = order.status === "pending" || order.status === "paid";
  return (
    <>
      {waiting && <meta http-equiv="refresh" content="3" />}
      <h1>充值结果</h1>
      <section class="card" data-testid="top-up-result" data-status={order.status}>
        <p class={`status status-${order.status}`}>
          <strong>{TOP_UP_STATUS_LABELS[order.status]}</strong>
        </p>
        <dl class="summary">
          <dt>充值金额</dt>
          <dd>{formatFen(order.amountFen)}</dd>
          {order.feeFen > 0n && (
            <>
              <dt>手续费</dt>
              <dd>{formatFen(order.feeFen)}</dd>
              <dt>到账金额</dt>
              <dd>{formatFen(order.amountFen - order.feeFen)}</dd>
            </>
          )}
          <dt>支付方式</dt>
          <dd>{PAYMENT_CHANNEL_NAMES[order.channel]}</dd>
          <dt>订单号</dt>
          <dd>{order.orderNo}</dd>
          <dt>下单时间</dt>
          <dd>
            <LocalTime at={order.createdAt} withTime />
          </dd>
          {order.status === "failed" && order.failureReason && (
            <>
              <dt>原因</dt>
              <dd>{FAILURE_REASONS[order.failureReason] ?? "银行处理失败，款项将原路退回"}</dd>
            </>
          )}
        </dl>
        {order.status === "pending" && payUrl && (
          <p>
            请在 <LocalTime at={order.expiresAt} withTime /> 前完成支付。
            <a class="btn" href={payUrl}>继续支付</a>
          </p>
        )}
        {order.status === "paid" && <p class="muted">支付已完成，正在等待银行存管入账，页面将自动刷新。</p>}
        {order.status === "succeeded" && <p>资金已转入您的可用余额。</p>}
        <p class="btn-row">
          <a class="btn btn-secondary" href="/account/top-up">返回充值</a>
          <a class="btn btn-secondary" href="/account">账户总览</a>
        </p>
      </section>
    </>
  );
});
