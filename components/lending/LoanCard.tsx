/**
 * Loan cards of the investment hall (UX.md "Loan cards and lists"): title, the agreed rate large in the
 * accent colour, term, amount, method, risk grade badge, a progress bar (native `<progress>`, no script)
 * with the percentage, remaining amount, time left or 「即将开标」, badges, and the 出借 button (disabled
 * with the reason when it cannot be used). Pure markup: the hall renders a list of them once and reuses it.
 * @module
 */
import type { HallLoan, HallPage, HallQuery } from "../../domain/lending/hall.ts";
import { termLabel } from "../../domain/lending/contract.ts";
import { REPAYMENT_METHOD_LABELS } from "../../domain/lending/schedule.ts";
import { formatFen, formatRateMicros, formatWan } from "../../domain/money/format.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";

/** Loan statuses as investors read them. */
export const LOAN_STATUS_LABELS: Readonly<Record<string, string>> = {
  scheduled: "即将开标",
  open: "投标中",
  full: "满标",
  full_reviewed: "满标",
  repaying: "还款中",
  overdue: "还款中",
  accelerated: "还款中",
  settled: "已结清",
  failed: "已流标",
  written_off: "已核销",
};

/** Funded share in whole percent, rounded down (100 only when full). */
export function progressPercent(fundedFen: bigint, amountFen: bigint): number {
  if (amountFen <= 0n) return 0;
  return Number((fundedFen * 100n) / amountFen);
}

/** "2天3小时", "45分钟", or "已截止". */
export function timeLeft(until: Date, now: Date): string {
  const ms = until.getTime() - now.getTime();
  if (ms <= 0) return "已截止";
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}天${hours}小时`;
  if (hours > 0) return `${hours}小时${minutes % 60}分钟`;
  return `${Math.max(1, minutes)}分钟`;
}

/** One loan card. */
export function LoanCard({ loan, now }: { loan: HallLoan; now: Date }) {
  const pct = progressPercent(loan.fundedFen, loan.amountFen);
  const remaining = loan.amountFen - loan.fundedFen;
  const soon = loan.status === "scheduled" || (loan.status === "open" && loan.publishAt > now);
  const open = loan.status === "open" && !soon && loan.bidDeadline > now && remaining > 0n;
  const label = LOAN_STATUS_LABELS[loan.status] ?? loan.status;
  return (
    <article class="card loan-card" data-loan-id={loan.id} data-status={loan.status}>
      <header class="loan-card-head">
        <h2>
          <a href={`/loans/${loan.id}`}>{loan.title}</a>
        </h2>
        <span class="badge" title="项目风险等级">{loan.grade}级 · {loan.riskLevel}</span>
        {loan.newbieOnly && <span class="badge badge-warn">新手专享</span>}
        {!open && !soon && <span class="badge">{label}</span>}
      </header>
      <dl class="loan-figures">
        <div>
          <dt>约定年化利率</dt>
          <dd class="rate loan-rate">{formatRateMicros(loan.annualRateMicros)}</dd>
        </div>
        <div>
          <dt>借款期限</dt>
          <dd>{termLabel(loan.termCount, loan.termUnit)}</dd>
        </div>
        <div>
          <dt>借款金额</dt>
          <dd>{formatWan(loan.amountFen)}</dd>
        </div>
      </dl>
      <p class="muted loan-meta">
        {loan.productName} · {REPAYMENT_METHOD_LABELS[loan.method]} · 起投 {formatFen(loan.minBidFen)}
      </p>
      <div class="loan-progress-row">
        <progress class="loan-progress" value={pct} max={100} aria-label={`已投 ${pct}%`}>{pct}%</progress>
        <span>{pct}%</span>
      </div>
      <p class="loan-remaining">
        {soon
          ? <>即将开标 · {formatShanghaiDateTime(loan.publishAt)} 开始</>
          : open
          ? <>剩余可投 {formatFen(remaining)} · 剩余 {timeLeft(loan.bidDeadline, now)}</>
          : <>{label} · {loan.bidCount} 人出借</>}
      </p>
      {open
        ? <a class="btn" href={`/loans/${loan.id}#bid`}>出借</a>
        : (
          <button type="button" class="btn" disabled>
            {soon ? "即将开标" : label === "投标中" ? "已截止" : label === "满标" ? "已满标" : label}
          </button>
        )}
    </article>
  );
}

/** A hall URL for `q` with some values changed (page reset unless given). */
export function hallHref(
  q: HallQuery,
  change: Partial<Record<keyof HallQuery, string | number | undefined>>,
) {
  const merged: Record<string, string | number | undefined> = { ...q, page: undefined, ...change };
  const params = new URLSearchParams();
  for (const k of ["term", "rate", "type", "grade", "status", "sort", "dir", "page"]) {
    const v = merged[k];
    if (v === undefined || v === "") continue;
    if ((k === "sort" && v === "publish") || (k === "dir" && v === "desc") || (k === "page" && v === 1)) {
      continue;
    }
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `/loans?${s}` : "/loans";
}

/** The shared part of the hall: the cards of one page and its pager (cached as HTML by the route). */
export function HallList({ page, q, now }: { page: HallPage; q: HallQuery; now: Date }) {
  if (page.loans.length === 0) {
    return (
      <p class="empty" data-testid="hall-empty">
        没有符合条件的借款项目。试试<a href="/loans">清除筛选</a>，或放宽期限、利率等条件。
      </p>
    );
  }
  return (
    <>
      <p class="muted" data-testid="hall-total">共 {page.total} 个项目</p>
      <div class="loan-list">
        {page.loans.map((loan) => <LoanCard key={loan.id} loan={loan} now={now} />)}
      </div>
      {page.pageCount > 1 && (
        <nav class="pager" aria-label="分页">
          {page.page > 1
            ? <a href={hallHref(q, { page: page.page - 1 })} rel="prev">上一页</a>
            : <span class="muted">上一页</span>}
          <span>第 {page.page} / {page.pageCount} 页</span>
          {page.page < page.pageCount
            ? <a href={hallHref(q, { page: page.page + 1 })} rel="next">下一页</a>
            : <span class="muted">下一页</span>}
        </nav>
      )}
    </>
  );
}
