/**
 * `/admin/loans/[id]` — one application for manual review (loans.review): the application (contacts and
 * business ID masked), its documents (links to /admin/loans/documents/[id]), the automatic decision with
 * every rule's result, the approve / confirm (second reviewer) / reject / more-info forms, and the history
 * from loan_events. Post/redirect/get; the logic is in domain/lending/review.ts.
 */
import { approvalFormErrors, type ApprovalFormValues } from "../../../components/lending/ApprovalForm.tsx";
import {
  type ApplicationReviewData,
  ApplicationReviewPage,
} from "../../../components/lending/ApplicationReviewPage.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import { getApplication } from "../../../domain/borrowing/application.ts";
import {
  applicationDocuments,
  loanOfApplication,
  pendingApproval,
} from "../../../domain/lending/admin_loans.ts";
import { loanHistory } from "../../../domain/lending/loan_events.ts";
import { getProduct } from "../../../domain/lending/products.ts";
import {
  approveApplication,
  confirmApproval,
  rejectApplication,
  requestMoreInfo,
  REVIEW_MESSAGES,
} from "../../../domain/lending/review.ts";
import { parsePercentToMicros } from "../../../domain/money/format.ts";
import { latestDecision } from "../../../domain/risk/mod.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

const NOTICES = {
  approved: "已审核通过，借款项目将在发布时间开始募集。",
  pending: "已记录初审通过，需另一位审核员复核。",
  rejected: "已拒绝并通知借款人。",
  more_info: "已要求借款人补充材料。",
};

const NO_VALUES: ApprovalFormValues = {
  grade: "",
  annualRate: "",
  title: "",
  publishAt: "",
  repaymentSource: "",
};

async function render(
  state: State,
  id: string,
  url: URL,
  errors: Record<string, string[]> = {},
  status = 200,
  values: ApprovalFormValues = NO_VALUES,
) {
  const app = /^[1-9][0-9]{0,18}$/.test(id) ? await getApplication(state.sql, id) : null;
  if (!app) return new Response("借款申请不存在", { status: 404 });
  const [documents, decision, pending, loan, product] = await Promise.all([
    applicationDocuments(state.sql, id),
    latestDecision(state.sql, id),
    pendingApproval(state.sql, id),
    loanOfApplication(state.sql, id),
    getProduct(state.sql, app.productId),
  ]);
  const history = await loanHistory(state.sql, { applicationId: id, loanId: loan?.id ?? null });
  return page<ApplicationReviewData>({
    app,
    documents,
    decision,
    pending,
    loan,
    history,
    errors,
    values,
    gradeRates: product?.gradeRates ?? null,
    notice: doneNotice(url, NOTICES),
  }, {
    status,
  });
}

function statusOf(code: string): number {
  return code === "forbidden" ? 403 : code === "not_found" ? 404 : code === "invalid" ? 422 : 409;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "借款审核";
    return await render(ctx.state, ctx.params.id, ctx.url);
  },
  async POST(ctx) {
    ctx.state.title = "借款审核";
    const id = ctx.params.id;
    const text = formText(await readForm(ctx.req));
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const deps = { outbox: ctx.state.outbox };
    const intent = text("intent", 20);
    const back = (done: string) => ctx.redirect(`/admin/loans/${id}?done=${done}`, 303);
    if (intent === "approve") {
      const values: ApprovalFormValues = {
        grade: text("grade", 1),
        annualRate: text("annualRate", 20),
        title: text("title", 80),
        publishAt: text("publishAt", 30),
        repaymentSource: text("repaymentSource", 220),
      };
      const rate = parsePercentToMicros(values.annualRate);
      const publishAt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(values.publishAt)
        ? new Date(`${values.publishAt}:00+08:00`)
        : null;
      const r = await approveApplication(ctx.state.sql, deps, actor, {
        applicationId: id,
        grade: values.grade as "A",
        annualRateMicros: rate ?? Number.NaN,
        title: values.title,
        publishAt: publishAt ?? new Date(Number.NaN),
        repaymentSource: values.repaymentSource,
      });
      if (r.ok) return back(r.outcome === "approved" ? "approved" : "pending");
      return await render(ctx.state, id, ctx.url, approvalFormErrors(r, values), statusOf(r.code), values);
    }
    if (intent === "confirm") {
      const r = await confirmApproval(ctx.state.sql, deps, actor, { applicationId: id });
      if (r.ok) return back("approved");
      return await render(ctx.state, id, ctx.url, { form: [REVIEW_MESSAGES[r.code]] }, statusOf(r.code));
    }
    if (intent === "reject" || intent === "more_info") {
      const reason = text("reason", 520);
      const r = intent === "reject"
        ? await rejectApplication(ctx.state.sql, deps, actor, { applicationId: id, reason })
        : await requestMoreInfo(ctx.state.sql, deps, actor, { applicationId: id, needed: reason });
      if (r.ok) return back(intent === "reject" ? "rejected" : "more_info");
      return await render(ctx.state, id, ctx.url, { reason: [REVIEW_MESSAGES[r.code]] }, statusOf(r.code));
    }
    return await render(ctx.state, id, ctx.url, {}, 400);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <ApplicationReviewPage data={data} csrfToken={state.csrfToken} staffId={state.staff!.id} />
));
