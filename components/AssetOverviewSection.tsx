import { formatFen } from "../domain/money/format.ts";
import type { AssetOverview, DayMovement } from "../domain/investor/account_overview.ts";
import { MovementChart } from "./MovementChart.tsx";

/**
 * 资产总览 on the account home: total, available, frozen, reward, pending receivables and received so
 * far, this month's movements as a chart, and the next step (top up / records).
 */
export function AssetOverviewSection(props: { assets: AssetOverview; movements: DayMovement[] }) {
  const a = props.assets;
  const stat = (label: string, fen: bigint, field: string) => (
    <div class="stat">
      <div class="label">{label}</div>
      <div class="value" data-field={field}>{formatFen(fen)}</div>
    </div>
  );
  return (
    <section class="card" aria-labelledby="assets-title">
      <h2 id="assets-title">资产总览</h2>
      <p>
        资产总额 <strong class="stat-total" data-field="total">{formatFen(a.totalFen)}</strong>
      </p>
      <div class="stats">
        {stat("可用余额", a.availableFen, "available")}
        {stat("冻结金额", a.frozenFen, "frozen")}
        {stat("待收本息", a.pendingReceivablesFen, "pending")}
        {stat("累计已收", a.receivedFen, "received")}
        {stat("奖励金", a.rewardFen, "reward")}
      </div>
      <h3>本月资金变动</h3>
      <MovementChart days={props.movements} />
      <p class="btn-row">
        <a href="/account/records">查看交易记录</a>
      </p>
    </section>
  );
}
