/**
 * The page markup of `/borrow/repay`.
 * @module
 */
import { CsrfField } from "../Field.tsx";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { type BorrowerLoan } from "../../domain/lending/repay.ts";

/** Data of {@link RepayPage}. */
export interface RepayPageData {
  loans: BorrowerLoan[];
  availableFen: Fen;
  notice: string | null;
  failed: { loanId: string; intent: string; message: string; shortFen: Fen | null } | null;
  amountYuan: string;
}

const STATUS_LABELS: Record<string, string> = {
  repaying: "还款中",
  overdue: "已逾期",
  accelerated: "加速到期",
  pending: "待还",
  paid: "已还",
  written_off: "已核销",
};

function Failure(props: { data: RepayPageData; loanId: string; intent: string }) {
  const f = props.data.failed;
  if (!f || f.loanId !== props.loanId || f.intent !== props.intent) return null;
  return (
    <p class="form-error" role="alert" id={`err-${props.intent}-${props.loanId}`}>
      {f.message}
      {f.shortFen !== null && (
        <>
          ，<a href="/account/top-up">先去充值</a>
        </>
      )}
    </p>
  );
}

/** The whole page. */
export function RepayPage({ data, csrfToken }: { data: RepayPageData; csrfToken: string }) {
  return (
    <>
      <h1>我的还款</h1>
      {data.notice && <p class="notice" role="status">{data.notice}</p>}
      {data.failed && !data.loans.some((l) => l.loanId === data.failed!.loanId) && (
        <p class="form-error" role="alert">{data.failed.message}</p>
      )}
      <p>
        可用余额 <strong>{formatFen(data.availableFen)}</strong>（<a href="/account/top-up">
          充值
        </a>）。还款从可用余额中扣除；
        每期到期日当天未还清的，系统将于次日凌晨自动扣款，余额不足的部分逾期并按日计收罚息。
      </p>
      {data.loans.length === 0 && <p class="muted">您目前没有待还的借款。</p>}
      {data.loans.map((loan) => (
        <section class="card" key={loan.loanId} aria-labelledby={`loan-${loan.loanId}`}>
          <h2 id={`loan-${loan.loanId}`}>
            {loan.title} <small>（{STATUS_LABELS[loan.status] ?? loan.status}）</small>
          </h2>
          <p>
            借款金额 {formatFen(loan.amountFen)}；当前应还 <strong>{formatFen(loan.due.totalFen)}</strong>
            {loan.due.overdueFen > 0n && <>（其中逾期 {formatFen(loan.due.overdueFen)}，含罚息）</>}
            {loan.due.currentDueDate && <>；本期到期日 {loan.due.currentDueDate}</>}
          </p>
          {loan.due.totalFen > 0n && (
            <form method="post" class="stack">
              <CsrfField token={csrfToken} />
              <input type="hidden" name="intent" value="repay" />
              <input type="hidden" name="loanId" value={loan.loanId} />
              <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
              <label for={`amt-${loan.loanId}`}>还款金额（元，留空为全部应还）</label>
              <input
                id={`amt-${loan.loanId}`}
                name="amountYuan"
                inputMode="decimal"
                maxLength={20}
                value={data.failed?.loanId === loan.loanId ? data.amountYuan : ""}
                aria-describedby={data.failed?.loanId === loan.loanId
                  ? `err-repay-${loan.loanId}`
                  : undefined}
              />
              <Failure data={data} loanId={loan.loanId} intent="repay" />
              <button type="submit">立即还款</button>
            </form>
          )}
          <details>
            <summary>还款计划</summary>
            <table>
              <thead>
                <tr>
                  <th>期数</th>
                  <th>到期日</th>
                  <th>本金</th>
                  <th>利息</th>
                  <th>罚息</th>
                  <th>已还</th>
                  <th>状态</th>
                </tr>
              </thead>
              <tbody>
                {loan.schedule.map((r) => (
                  <tr key={r.period}>
                    <td>{r.period}</td>
                    <td>{r.dueDate}</td>
                    <td>{formatFen(r.principalFen)}</td>
                    <td>{formatFen(r.interestFen)}</td>
                    <td>{formatFen(r.penaltyFen)}</td>
                    <td>{formatFen(r.paidFen)}</td>
                    <td>{STATUS_LABELS[r.status] ?? r.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          <details open={data.failed?.loanId === loan.loanId && data.failed.intent === "prepay"}>
            <summary>提前还款</summary>
            {loan.quote.allowed
              ? (
                <form method="post" class="stack">
                  <CsrfField token={csrfToken} />
                  <input type="hidden" name="intent" value="prepay" />
                  <input type="hidden" name="loanId" value={loan.loanId} />
                  <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
                  <dl>
                    <dt>逾期应还（含罚息）</dt>
                    <dd>{formatFen(loan.quote.overdueFen)}</dd>
                    <dt>当期利息</dt>
                    <dd>{formatFen(loan.quote.currentInterestFen)}</dd>
                    <dt>剩余本金</dt>
                    <dd>{formatFen(loan.quote.earlyPrincipalFen)}</dd>
                    <dt>提前还款手续费</dt>
                    <dd>{formatFen(loan.quote.feeFen)}</dd>
                    <dt>免除以后各期利息</dt>
                    <dd>{formatFen(loan.quote.waivedInterestFen)}</dd>
                    <dt>合计</dt>
                    <dd>
                      <strong>{formatFen(loan.quote.totalFen)}</strong>
                    </dd>
                  </dl>
                  <Failure data={data} loanId={loan.loanId} intent="prepay" />
                  <button type="submit">提前结清</button>
                </form>
              )
              : <p class="muted">该产品不支持提前还款。</p>}
          </details>
        </section>
      ))}
    </>
  );
}
