/**
 * `/admin/loans/full` — 满标放款: full loans waiting for 满标审核 (`intent=review`, loans.review) and
 * reviewed loans waiting for 放款 (`intent=disburse`, finance.disburse, by a DIFFERENT staff member — the
 * four-eyes state is shown). The page itself needs `loans.review` or `finance.disburse` (route table:
 * `staff`, checked here); the commands check their own permission.
 */
import { page, readForm } from "../../../framework/mod.ts";
import { CsrfField } from "../../../components/Field.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { listStaffLoans, type StaffLoanRow } from "../../../domain/lending/admin_loans.ts";
import { disburseLoan, DISBURSEMENT_MESSAGES, reviewFullLoan } from "../../../domain/lending/disbursement.ts";
import { formatFen, formatRateMicros } from "../../../domain/money/format.ts";
import { can } from "../../../domain/staff/permissions.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

interface Data {
  loans: StaffLoanRow[];
  error: string | null;
  errorFor: string | null;
  notice: string | null;
}

async function render(
  state: State,
  url: URL,
  error: string | null = null,
  errorFor: string | null = null,
  status = 200,
) {
  const loans = await listStaffLoans(state.sql, ["full", "full_reviewed"]);
  return page<Data>({
    loans,
    error,
    errorFor,
    notice: doneNotice(url, {
      reviewed: "满标审核已通过，等待另一位财务人员放款。",
      disbursed: "已放款，存管批量指令已提交。",
    }),
  }, { status });
}

function allowed(state: State): boolean {
  return can(state.staff, "loans.review") || can(state.staff, "finance.disburse");
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "满标放款";
    if (!allowed(ctx.state)) return new Response("没有权限", { status: 403 });
    return await render(ctx.state, ctx.url);
  },
  async POST(ctx) {
    ctx.state.title = "满标放款";
    if (!allowed(ctx.state)) return new Response("没有权限", { status: 403 });
    const text = formText(await readForm(ctx.req));
    const loanId = text("loanId", 20);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const r = text("intent", 20) === "disburse"
      ? await disburseLoan(ctx.state.sql, { outbox: ctx.state.outbox }, actor, { loanId })
      : await reviewFullLoan(ctx.state.sql, actor, { loanId });
    if (r.ok) {
      return ctx.redirect(`/admin/loans/full?done=${"instructionId" in r ? "disbursed" : "reviewed"}`, 303);
    }
    const status = r.code === "forbidden" ? 403 : r.code === "not_found" ? 404 : 409;
    return await render(ctx.state, ctx.url, DISBURSEMENT_MESSAGES[r.code], loanId, status);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>满标放款</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    {data.loans.length === 0
      ? <p class="empty">暂无满标项目</p>
      : data.loans.map((l) => (
        <article class="card" data-loan={l.id} aria-label={`项目 ${l.id}`}>
          <h2>#{l.id} {l.title}</h2>
          <p>
            {formatFen(l.amountFen)} 元 · {formatRateMicros(l.annualRateMicros)} · {l.termCount}
            {l.termUnit === "day" ? "天" : "个月"} · {l.bidCount} 笔投标 · 满标于{" "}
            {l.fullAt ? <LocalTime at={l.fullAt} withTime /> : "—"}
          </p>
          {data.errorFor === l.id && data.error && <p class="form-error" role="alert">{data.error}</p>}
          {l.status === "full"
            ? (
              <form method="post">
                <CsrfField token={state.csrfToken} />
                <input type="hidden" name="loanId" value={l.id} />
                <p>四眼状态：待满标审核（审核人不能放款）</p>
                <button
                  type="submit"
                  name="intent"
                  value="review"
                  disabled={!can(state.staff, "loans.review")}
                >
                  满标审核通过
                </button>
              </form>
            )
            : (
              <form method="post">
                <CsrfField token={state.csrfToken} />
                <input type="hidden" name="loanId" value={l.id} />
                <p>四眼状态：已由 {l.fullReviewerName ?? "—"} 审核，待另一位财务人员放款</p>
                <button
                  type="submit"
                  name="intent"
                  value="disburse"
                  disabled={!can(state.staff, "finance.disburse") || l.fullReviewedBy === state.staff!.id}
                >
                  放款
                </button>
              </form>
            )}
        </article>
      ))}
  </>
));
