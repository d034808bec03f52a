import type { LoanTeaser } from "../domain/disclosure/home_figures.ts";
import { formatRateMicros, formatWan } from "../domain/money/format.ts";
import { REPAYMENT_METHOD_LABELS } from "../domain/lending/schedule.ts";
import { progressPercent } from "./lending/LoanCard.tsx";

/** Time left to bid, as a person reads it: `剩余 3 天` / `剩余 5 小时` / `即将截止`. */
export function timeLeft(deadline: Date, now: Date): string {
  const ms = deadline.getTime() - now.getTime();
  if (ms >= 86_400_000) return `剩余 ${Math.floor(ms / 86_400_000)} 天`;
  if (ms >= 3_600_000) return `剩余 ${Math.floor(ms / 3_600_000)} 小时`;
  return "即将截止";
}

/**
 * A compact loan card for the home page (UX.md "Loan cards"): title, the agreed annual rate large in the
 * accent colour, term, amount, method, grade, progress with its percentage, remaining amount, time left,
 * 新手专享, and a link to the loan's page where the bid is placed. Server-rendered, no script.
 */
export function LoanTeaserCard({ loan, now }: { loan: LoanTeaser; now: Date }) {
  const percent = progressPercent(loan.fundedFen, loan.amountFen);
  const term = `${loan.termCount}${loan.termUnit === "month" ? " 个月" : " 天"}`;
  return (
    <article class="card loan-teaser" data-loan-id={loan.id}>
      <h3>
        <a href={`/loans/${loan.id}`}>{loan.title}</a>
        {loan.newbieOnly && <span class="badge badge-warn">新手专享</span>}
        <span class="badge">{loan.grade} 级</span>
      </h3>
      <div class="teaser-rate">
        <span class="rate">{formatRateMicros(loan.annualRateMicros)}</span>
        <span class="muted">约定年化利率</span>
      </div>
      <p class="muted">
        期限 {term} · 金额 {formatWan(loan.amountFen)} · {REPAYMENT_METHOD_LABELS[loan.method]}
      </p>
      <progress max={100} value={percent} aria-label={`已投 ${percent}%`}></progress>
      <p class="muted">
        已投 {percent}% · 可投 {formatWan(loan.amountFen - loan.fundedFen)} ·{" "}
        {timeLeft(loan.bidDeadline, now)}
      </p>
      <a class="btn" href={`/loans/${loan.id}`}>出借</a>
    </article>
  );
}
