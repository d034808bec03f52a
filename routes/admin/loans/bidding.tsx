/**
 * `/admin/loans/bidding` — 投标管理 (loans.review): scheduled and open loans with progress, bid count and
 * time left; `?loan=<id>` lists that loan's bids (investor ids only).
 */
import { page } from "../../../framework/mod.ts";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { timeLeft } from "../../../components/lending/LoanCard.tsx";
import {
  listLoanBids,
  listStaffLoans,
  type StaffBidRow,
  type StaffLoanRow,
} from "../../../domain/lending/admin_loans.ts";
import { formatFen, formatRateMicros } from "../../../domain/money/format.ts";
import { define } from "../../../utils.ts";

interface Data {
  loans: StaffLoanRow[];
  loanId: string | null;
  bids: StaffBidRow[];
  now: Date;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "投标管理";
    const loan = ctx.url.searchParams.get("loan");
    const loanId = loan && /^[1-9][0-9]{0,18}$/.test(loan) ? loan : null;
    const [loans, bids] = await Promise.all([
      listStaffLoans(
        ctx.state.sql,
        ["open", "scheduled"],
        Number(ctx.url.searchParams.get("page") ?? "1") || 1,
      ),
      loanId ? listLoanBids(ctx.state.sql, loanId) : Promise.resolve([]),
    ]);
    return page<Data>({ loans, loanId, bids, now: new Date() });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>投标管理</h1>
    {data.loans.length === 0 ? <p class="empty">暂无募集中的项目</p> : (
      <table class="data-table">
        <thead>
          <tr>
            <th>项目</th>
            <th>状态</th>
            <th>金额</th>
            <th>年利率</th>
            <th>进度</th>
            <th>投标数</th>
            <th>剩余时间</th>
          </tr>
        </thead>
        <tbody>
          {data.loans.map((l) => {
            const pct = Number((l.fundedFen * 10_000n) / l.amountFen) / 100;
            return (
              <tr data-loan={l.id}>
                <td>
                  <a href={`/admin/loans/bidding?loan=${l.id}`}>#{l.id} {l.title}</a>
                </td>
                <td>{l.status === "open" ? "募集中" : "待发布"}</td>
                <td>{formatFen(l.amountFen)} 元</td>
                <td>{formatRateMicros(l.annualRateMicros)}</td>
                <td>
                  <progress max={100} value={pct}>{pct}%</progress>{" "}
                  {pct.toFixed(2)}%（{formatFen(l.fundedFen)} 元）
                </td>
                <td>{l.bidCount}</td>
                <td>
                  {l.status === "open"
                    ? timeLeft(l.bidDeadline, data.now)
                    : <LocalTime at={l.publishAt} withTime />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    )}
    {data.loanId && (
      <section class="card" aria-label="投标记录">
        <h2>项目 #{data.loanId} 的投标记录（{data.bids.length}）</h2>
        {data.bids.length === 0 ? <p class="empty">暂无投标</p> : (
          <table class="data-table">
            <thead>
              <tr>
                <th>投标</th>
                <th>投资人ID</th>
                <th>金额</th>
                <th>状态</th>
                <th>渠道</th>
                <th>时间</th>
              </tr>
            </thead>
            <tbody>
              {data.bids.map((b) => (
                <tr>
                  <td>{b.id}</td>
                  <td>{b.investorId}</td>
                  <td>{formatFen(b.amountFen)} 元</td>
                  <td>{b.status}</td>
                  <td>{b.channel}</td>
                  <td>
                    <LocalTime at={b.createdAt} withTime />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    )}
  </>
));
