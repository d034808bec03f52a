/**
 * `/account/investments` — 我的出借: the investor's investments by tab (投标中, 回款中, 已结清, 逾期, in
 * `?tab=`), paged, each linking to its plan and contract.
 */
import { page } from "../../../framework/mod.ts";
import { Pager } from "../../../components/Pager.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { termLabel } from "../../../domain/lending/contract.ts";
import {
  INVESTMENT_TABS,
  type InvestmentRow,
  INVESTMENTS_PAGE_SIZE,
  investmentStateLabel,
  type InvestmentTab,
  isInvestmentTab,
  listInvestments,
} from "../../../domain/lending/investments.ts";
import { formatFen, formatRateMicros } from "../../../domain/money/format.ts";
import { define } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "我的出借";
    const raw = ctx.url.searchParams.get("tab");
    const tab: InvestmentTab = isInvestmentTab(raw) ? raw : "bidding";
    const pageNo = Math.min(500, Math.max(1, Number(ctx.url.searchParams.get("page")) || 1));
    const list = await listInvestments(ctx.state.sql, ctx.state.user!.id, tab, pageNo);
    return page<{ tab: InvestmentTab; rows: InvestmentRow[]; total: number; pageNo: number }>({
      tab,
      rows: list.rows,
      total: list.total,
      pageNo,
    });
  },
});

export default define.page<typeof handler>(({ data, url }) => (
  <>
    <h1>我的出借</h1>
    <nav class="tabs" aria-label="出借状态">
      {Object.entries(INVESTMENT_TABS).map(([k, label]) => (
        <a href={`/account/investments?tab=${k}`} aria-current={data.tab === k ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
    {data.rows.length === 0
      ? (
        <p class="empty" data-testid="investments-empty">
          暂无{INVESTMENT_TABS[data.tab]}的出借。<a href="/loans">去投资大厅看看</a>
        </p>
      )
      : (
        <div class="loan-list" data-testid="investments">
          {data.rows.map((r) => (
            <article class="card" data-bid-id={r.bidId}>
              <h2>
                <a href={`/account/investments/${r.bidId}`}>{r.title}</a>
              </h2>
              <p>
                <span class="badge">{investmentStateLabel(r)}</span> 出借 {formatFen(r.amountFen)} ·{" "}
                <span class="rate">{formatRateMicros(r.annualRateMicros)}</span> ·{" "}
                {termLabel(r.termCount, r.termUnit)}
              </p>
              <p class="muted">
                待收本息 {formatFen(r.pendingFen)} · 已收 {formatFen(r.receivedFen)}
                {r.nextDueDate && <>· 下期回款 {r.nextDueDate}</>} · 出借时间{" "}
                <LocalTime at={r.createdAt} withTime />
              </p>
            </article>
          ))}
        </div>
      )}
    <Pager
      url={url}
      page={data.pageNo}
      pageCount={Math.max(1, Math.ceil(data.total / INVESTMENTS_PAGE_SIZE))}
    />
    <p class="muted">
      <a href="/account/receivables">回款日历</a> · <a href="/loans">投资大厅</a>
    </p>
  </>
));
