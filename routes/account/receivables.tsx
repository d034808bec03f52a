/**
 * `/account/receivables` — 回款日历: the investor's receivables of a month (`?month=YYYY-MM`, default this
 * month in Asia/Shanghai), per day: due, received, pending; the month's totals; previous / next month.
 */
import { page } from "../../framework/mod.ts";
import { type ReceivableDay, receivablesCalendar } from "../../domain/lending/investments.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatShanghaiDate } from "../../domain/shared/shanghai_time.ts";
import { define } from "../../utils.ts";

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

interface Data {
  month: string;
  days: ReceivableDay[];
  dueFen: Fen;
  receivedFen: Fen;
  pendingFen: Fen;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "回款日历";
    const raw = ctx.url.searchParams.get("month") ?? "";
    const month = /^(20\d\d)-(0[1-9]|1[0-2])$/.test(raw) ? raw : formatShanghaiDate(new Date()).slice(0, 7);
    const cal = await receivablesCalendar(ctx.state.sql, ctx.state.user!.id, month);
    return page<Data>({ month, ...cal });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>回款日历</h1>
    <nav class="pager" aria-label="月份">
      <a href={`/account/receivables?month=${shiftMonth(data.month, -1)}`} rel="prev">上个月</a>
      <strong>{data.month}</strong>
      <a href={`/account/receivables?month=${shiftMonth(data.month, 1)}`} rel="next">下个月</a>
    </nav>
    <section class="card">
      <dl class="summary-list" data-testid="receivables-totals">
        <dt>本月应收本息</dt>
        <dd>{formatFen(data.dueFen)}</dd>
        <dt>已收（扣除利息管理费）</dt>
        <dd>{formatFen(data.receivedFen)}</dd>
        <dt>待收本息</dt>
        <dd>{formatFen(data.pendingFen)}</dd>
      </dl>
    </section>
    {data.days.length === 0
      ? (
        <p class="empty">
          本月没有回款。<a href="/account/investments">查看我的出借</a>
        </p>
      )
      : (
        <div class="table-scroll">
          <table class="data" data-testid="receivables">
            <thead>
              <tr>
                <th scope="col">日期</th>
                <th scope="col">笔数</th>
                <th scope="col">应收本息</th>
                <th scope="col">已收</th>
                <th scope="col">待收</th>
              </tr>
            </thead>
            <tbody>
              {data.days.map((d) => (
                <tr>
                  <td>{d.day}</td>
                  <td>{d.count}</td>
                  <td>{formatFen(d.dueFen)}</td>
                  <td>{formatFen(d.receivedFen)}</td>
                  <td>{formatFen(d.pendingFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
  </>
));
