/**
 * `/borrow/applications/:id` — the status of one of the borrower's applications (审核中 / 需补充材料 /
 * 已通过 / 未通过 with the reason). A draft links to its next step; in `more_info` the borrower adds
 * documents and sends it back to review (`POST intent=resubmit`).
 * @module
 */
import {
  ApplicationTermsRows,
  nextStepHref,
  ownApplicationOr404,
} from "../../../../components/borrow/BorrowSteps.tsx";
import { CsrfField } from "../../../../components/Field.tsx";
import { LocalTime } from "../../../../components/LocalTime.tsx";
import { HttpError, page, readForm } from "../../../../framework/mod.ts";
import { APPLICATION_STATUS_LABELS, type LoanApplication } from "../../../../domain/borrowing/application.ts";
import {
  DOCUMENT_KIND_LABELS,
  type DocumentRow,
  listDocuments,
} from "../../../../domain/borrowing/documents.ts";
import { resubmitApplication } from "../../../../domain/borrowing/submit.ts";
import { define, doneNotice, type State } from "../../../../utils.ts";

interface StatusPageData {
  app: LoanApplication;
  documents: DocumentRow[];
  notice: string | null;
  error: string | null;
}

async function render(state: State, id: string, partial: Partial<StatusPageData>, status = 200) {
  const app = await ownApplicationOr404(state, id);
  return page<StatusPageData>({
    app,
    documents: await listDocuments(state.sql, app.id),
    notice: partial.notice ?? null,
    error: partial.error ?? null,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "借款申请";
    return await render(ctx.state, ctx.params.id, {
      notice: doneNotice(ctx.url, {
        submitted: "申请已提交。",
        resubmitted: "补充材料已提交，请等待审核。",
      }),
    });
  },
  async POST(ctx) {
    ctx.state.title = "借款申请";
    await readForm(ctx.req);
    const r = await resubmitApplication(ctx.state.sql, { outbox: ctx.state.outbox }, {
      userId: ctx.state.user!.id,
      applicationId: ctx.params.id,
    });
    if (r.ok) return ctx.redirect(`/borrow/applications/${ctx.params.id}?done=resubmitted`, 303);
    if (r.code === "not_found") throw new HttpError(404);
    return await render(ctx.state, ctx.params.id, { error: r.message }, 409);
  },
});

const EXPLANATIONS: Partial<Record<LoanApplication["status"], string>> = {
  submitted: "您的申请正在审核中，审核结果将通过消息通知您。",
  manual_review: "您的申请已通过系统初审，正在人工审核，审核结果将通过消息通知您。",
  more_info: "审核人员需要您补充材料，请上传后重新提交。",
  approved: "您的申请已通过审核，将在平台发布募集，满标并放款后资金进入您的账户余额。",
  auto_rejected: "很抱歉，您的申请未通过系统审核。",
  rejected: "很抱歉，您的申请未通过审核。",
};

/** One application's status. */
export default define.page<typeof handler>(({ data, state }) => {
  const { app } = data;
  const rejected = app.status === "rejected" || app.status === "auto_rejected";
  return (
    <div class="card auth-card">
      <h1>借款申请</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.error && <p class="form-error" role="alert">{data.error}</p>}
      <dl class="kv-list" data-testid="application">
        <dt>申请状态</dt>
        <dd data-field="status">{APPLICATION_STATUS_LABELS[app.status]}</dd>
        {(rejected || app.status === "more_info") && app.reviewNote && (
          <>
            <dt>{rejected ? "未通过原因" : "需补充"}</dt>
            <dd data-field="reason">{app.reviewNote}</dd>
          </>
        )}
        <ApplicationTermsRows app={app} />
        {app.submittedAt && (
          <>
            <dt>提交时间</dt>
            <dd>
              <LocalTime at={app.submittedAt} withTime />
            </dd>
          </>
        )}
        <dt>申请材料</dt>
        <dd>
          {data.documents.length === 0 ? "—" : data.documents.map((d) => (
            <>
              <a href={`/borrow/documents/${d.id}`}>{DOCUMENT_KIND_LABELS[d.kind]}</a>
              {" "}
            </>
          ))}
        </dd>
      </dl>
      {EXPLANATIONS[app.status] && <p>{EXPLANATIONS[app.status]}</p>}
      {app.status === "draft" && <a class="btn btn-block" href={nextStepHref(app)}>继续填写</a>}
      {app.status === "more_info" && (
        <div class="stack">
          <a class="btn btn-block btn-secondary" href={`/borrow/applications/${app.id}/documents`}>
            补充材料
          </a>
          <form method="post">
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="resubmit" />
            <button type="submit" class="btn btn-block">材料已补充，重新提交</button>
          </form>
        </div>
      )}
      <p>
        <a href="/borrow">返回我要借款</a>
      </p>
    </div>
  );
});
