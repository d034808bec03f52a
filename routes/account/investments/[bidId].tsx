/**
 * `/account/investments/[bidId]` — one investment: the loan, the amount, its state, the contract (link and
 * SHA-256), and the plan from claim_installments with received and pending rows and totals.
 */
import { HttpError, page } from "../../../framework/mod.ts";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { termLabel } from "../../../domain/lending/contract.ts";
import {
  getInvestment,
  type InvestmentDetail,
  investmentStateLabel,
} from "../../../domain/lending/investments.ts";
import { REPAYMENT_METHOD_LABELS } from "../../../domain/lending/schedule.ts";
import { formatFen, formatRateMicros } from "../../../domain/money/format.ts";
import { define, doneNotice } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "出借详情";
    const inv = await getInvestment(ctx.state.sql, ctx.state.user!.id, ctx.params.bidId);
    if (!inv) throw new HttpError(404);
    return page<{ inv: InvestmentDetail; notice: string | null }>({
      inv,
      notice: doneNotice(ctx.url, { bid: "出借成功！资金已冻结，满标并放款后开始计息，回款计划届时生成。" }),
    });
  },
});

export default define.page<typeof handler>(({ data }) => {
  const { inv } = data;
  return (
    <>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <p>
        <a href="/account/investments">← 我的出借</a>
      </p>
      <h1>{inv.title}</h1>
      <section class="card">
        <dl class="summary-list">
          <dt>状态</dt>
          <dd data-testid="investment-state">{investmentStateLabel(inv)}</dd>
          <dt>出借金额</dt>
          <dd>{formatFen(inv.amountFen)}</dd>
          <dt>约定年化利率</dt>
          <dd class="rate">{formatRateMicros(inv.annualRateMicros)}</dd>
          <dt>期限 / 还款方式</dt>
          <dd>{termLabel(inv.termCount, inv.termUnit)} · {REPAYMENT_METHOD_LABELS[inv.method]}</dd>
          <dt>出借时间</dt>
          <dd>
            <LocalTime at={inv.createdAt} withTime />
          </dd>
          <dt>待收本息</dt>
          <dd>{formatFen(inv.pendingFen)}</dd>
          <dt>已收（扣除利息管理费）</dt>
          <dd>{formatFen(inv.receivedFen)}</dd>
          <dt>出借协议</dt>
          <dd>
            <a href={`/account/investments/${inv.bidId}/contract`}>查看 / 打印</a>
            {inv.contractSha256 && (
              <>
                <br />
                <small class="muted">
                  SHA-256：<code data-testid="contract-sha">{inv.contractSha256}</code>
                </small>
              </>
            )}
          </dd>
          <dt>借款项目</dt>
          <dd>
            <a href={`/loans/${inv.loanId}`}>项目详情</a>
          </dd>
        </dl>
      </section>
      <section class="card">
        <h2>回款计划</h2>
        {inv.plan.length === 0 ? <p class="empty">满标放款后生成回款计划。</p> : (
          <div class="table-scroll">
            <table class="data" data-testid="claim-plan">
              <thead>
                <tr>
                  <th scope="col">期数</th>
                  <th scope="col">应收日</th>
                  <th scope="col">本金</th>
                  <th scope="col">利息</th>
                  <th scope="col">已收</th>
                  <th scope="col">管理费</th>
                  <th scope="col">状态</th>
                </tr>
              </thead>
              <tbody>
                {inv.plan.map((p) => (
                  <tr data-status={p.status}>
                    <td>第{p.period}期</td>
                    <td>{p.dueDate}</td>
                    <td>{formatFen(p.principalFen)}</td>
                    <td>{formatFen(p.interestFen)}</td>
                    <td>
                      {formatFen(p.receivedPrincipalFen + p.receivedInterestFen + p.receivedPenaltyFen)}
                    </td>
                    <td>{formatFen(p.feeFen)}</td>
                    <td>
                      {p.status === "received" ? "已收" : p.status === "written_off" ? "已核销" : "待收"}
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td>合计</td>
                  <td></td>
                  <td>{formatFen(inv.plan.reduce((a, p) => a + p.principalFen, 0n))}</td>
                  <td>{formatFen(inv.plan.reduce((a, p) => a + p.interestFen, 0n))}</td>
                  <td>
                    {formatFen(
                      inv.plan.reduce(
                        (a, p) => a + p.receivedPrincipalFen + p.receivedInterestFen + p.receivedPenaltyFen,
                        0n,
                      ),
                    )}
                  </td>
                  <td>{formatFen(inv.plan.reduce((a, p) => a + p.feeFen, 0n))}</td>
                  <td></td>
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </section>
      <p class="risk-note">市场有风险，出借需谨慎。借款人逾期或违约时，回款可能延迟或无法收回。</p>
    </>
  );
});
