import type { LoanTeaser } from "../domain/disclosure/home_figures.ts";
import { formatRateMicros, formatWan } from "../domain/money/format.ts";
import { REPAYMENT_METHOD_LABELS } from "../domain/lending/schedule.ts";
import { progressPercent, timeLeft } from "./lending/LoanCard.tsx";

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
        <span class="badge" title="项目风险等级">{loan.grade}级</span>
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
        已投 {percent}% · 剩余可投 {formatWan(loan.amountFen - loan.fundedFen)} · 剩余{" "}
        {timeLeft(loan.bidDeadline, now)}
      </p>
      <a class="btn" href={`/loans/${loan.id}`}>出借</a>
    </article>
  );
}
