/**
 * `/admin/kyc` — 实名审核 (`kyc.review`: operations, risk): two queues, oldest first — real-name
 * exceptions (the identity gateway said mismatch or asked for a manual review) and verification videos.
 * Each item is approved or rejected (a rejection needs a reason); the user is notified and the decision
 * is audit-logged (`kyc.identity.*`, `kyc.video.*`). Post/redirect/get.
 * @module
 */
import { type Column, DataTable } from "../../components/DataTable.tsx";
import { CsrfField } from "../../components/Field.tsx";
import { page, readForm } from "../../framework/mod.ts";
import { maskIdNumber, maskName } from "../../domain/accounts/pii.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import {
  decideIdentityReview,
  type IdentityReviewRow,
  KYC_DECISION_MESSAGES,
  type KycDecisionResult,
  kycQueueCounts,
  listPendingIdentityReviews,
} from "../../domain/identity/identity.ts";
import { decideVideo, listPendingVideos, type VideoQueueRow } from "../../domain/identity/video.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

interface KycPageData {
  identities: IdentityReviewRow[];
  videos: VideoQueueRow[];
  counts: { identity: bigint; video: bigint };
  notice: string | null;
  /** The item whose decision failed, and why. */
  failed: { kind: string; id: string; message: string } | null;
}

const NOTICES: Record<string, string> = {
  approved: "已审核通过，已通知用户并记入操作日志。",
  rejected: "已驳回，已通知用户并记入操作日志。",
};

const GATEWAY_LABELS: Record<string, string> = { mismatch: "姓名与号码不一致", needs_review: "需人工审核" };

async function render(state: State, partial: Partial<KycPageData>, status = 200) {
  const [identities, videos, counts] = await Promise.all([
    listPendingIdentityReviews(state.sql, state.pii),
    listPendingVideos(state.sql, state.pii),
    kycQueueCounts(state.sql),
  ]);
  return page<KycPageData>({ identities, videos, counts, notice: null, failed: null, ...partial }, {
    status,
  });
}

function failureMessage(result: Exclude<KycDecisionResult, { ok: true }>): string {
  if (result.code === "invalid_input") return Object.values(result.fields).flat()[0] ?? "输入有误";
  return KYC_DECISION_MESSAGES[result.code];
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "实名审核";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "实名审核";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const kind = text("kind", 20);
    const input = { id: text("id", 20), decision: text("decision", 10), reason: text("reason", 400) };
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    let result: KycDecisionResult;
    if (kind === "identity") {
      result = await decideIdentityReview(ctx.state.sql, { reviewId: input.id, ...input }, actor, {
        pii: ctx.state.pii,
        outbox: ctx.state.outbox,
      });
    } else if (kind === "video") {
      result = await decideVideo(ctx.state.sql, { videoId: input.id, ...input }, actor, {
        outbox: ctx.state.outbox,
      });
    } else {
      return await render(ctx.state, {}, 400);
    }
    if (result.ok) {
      return ctx.redirect(`/admin/kyc?done=${input.decision === "approve" ? "approved" : "rejected"}`, 303);
    }
    const status = result.code === "invalid_input"
      ? 422
      : result.code === "forbidden"
      ? 403
      : result.code === "not_found"
      ? 404
      : 409;
    return await render(
      ctx.state,
      { failed: { kind, id: input.id, message: failureMessage(result) } },
      status,
    );
  },
});

function DecisionForm(
  props: { kind: "identity" | "video"; id: string; csrf: string; failed: KycPageData["failed"] },
) {
  const error = props.failed && props.failed.kind === props.kind && props.failed.id === props.id
    ? props.failed.message
    : null;
  const fieldId = `reason-${props.kind}-${props.id}`;
  return (
    <form method="post" action="/admin/kyc" class="inline-form kyc-decision">
      <CsrfField token={props.csrf} />
      <input type="hidden" name="kind" value={props.kind} />
      <input type="hidden" name="id" value={props.id} />
      <label for={fieldId} class="visually-hidden">原因</label>
      <input
        id={fieldId}
        name="reason"
        maxLength={200}
        placeholder="原因（驳回必填）"
        aria-invalid={error ? "true" : undefined}
      />
      <button type="submit" name="decision" value="approve" class="btn">通过</button>
      <button type="submit" name="decision" value="reject" class="btn btn-secondary">驳回</button>
      {error && <p class="field-error" role="alert">{error}</p>}
    </form>
  );
}

export default define.page<typeof handler>(({ data, state }) => {
  const identityColumns: Column<IdentityReviewRow>[] = [
    { header: "提交时间", cell: (r) => formatShanghaiDateTime(r.createdAt) },
    { header: "用户", text: true, cell: (r) => <a href={`/admin/users/${r.userId}`}>#{r.userId}</a> },
    { header: "姓名", text: true, cell: (r) => maskName(r.realName) },
    { header: "身份证号", text: true, cellClass: "mono", cell: (r) => maskIdNumber(r.idNumber) },
    {
      header: "核验结果",
      text: true,
      cell: (r) => `${GATEWAY_LABELS[r.gatewayCode] ?? r.gatewayCode}：${r.gatewayMessage}`,
    },
    {
      header: "审核",
      text: true,
      cell: (r) => <DecisionForm kind="identity" id={r.id} csrf={state.csrfToken} failed={data.failed} />,
    },
  ];
  const videoColumns: Column<VideoQueueRow>[] = [
    { header: "提交时间", cell: (r) => formatShanghaiDateTime(r.createdAt) },
    { header: "用户", text: true, cell: (r) => <a href={`/admin/users/${r.userId}`}>{r.phoneMasked}</a> },
    {
      header: "视频",
      text: true,
      cell: (r) => (
        <a href={`/admin/kyc/videos/${r.id}`} target="_blank" rel="noopener">
          查看（{(Number(r.sizeBytes) / 1024 / 1024).toFixed(1)} MB）
        </a>
      ),
    },
    {
      header: "审核",
      text: true,
      cell: (r) => <DecisionForm kind="video" id={r.id} csrf={state.csrfToken} failed={data.failed} />,
    },
  ];
  return (
    <>
      <h1>实名审核</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.failed && <p class="form-error" role="alert">{data.failed.message}</p>}
      <section aria-labelledby="kyc-identity-title">
        <h2 id="kyc-identity-title">
          实名异常{" "}
          <span class="badge" data-testid="kyc-identity-count">{formatCount(data.counts.identity)}</span>
        </h2>
        <DataTable
          columns={identityColumns}
          rows={data.identities}
          empty="暂无待审核的实名异常"
          hideEmptyTable
        />
      </section>
      <section aria-labelledby="kyc-video-title">
        <h2 id="kyc-video-title">
          视频认证 <span class="badge" data-testid="kyc-video-count">{formatCount(data.counts.video)}</span>
        </h2>
        <DataTable columns={videoColumns} rows={data.videos} empty="暂无待审核的视频" hideEmptyTable />
      </section>
    </>
  );
});
