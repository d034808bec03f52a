/**
 * `/account/video` — 视频认证: upload a short video (MP4 / MOV / WebM by content, at most 20 MB; the body
 * limit of this one route is raised in main.ts), then wait for the staff review. The page shows the latest
 * video's state, lets the owner play it back (`/account/video/:id`) and, after a rejection, upload again.
 * @module
 */
import { HttpError, page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import {
  submitVideo,
  VIDEO_MAX_BYTES,
  VIDEO_UPLOAD_MESSAGES,
  VIDEO_UPLOAD_PATH,
  type VideoRow,
  videoState,
} from "../../domain/identity/video.ts";
import { define, type State } from "../../utils.ts";

interface VideoPageData {
  verified: boolean;
  latest: VideoRow | null;
  error?: string;
  formError?: string;
  notice?: string;
}

const STATUS_LABELS = { pending: "审核中", approved: "已通过", rejected: "未通过" } as const;

async function render(state: State, partial: Partial<VideoPageData>, status = 200) {
  const s = await videoState(state.sql, state.user!.id);
  return page<VideoPageData>({ ...s, ...partial }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "视频认证";
    const notice = ctx.url.searchParams.get("done") === "1"
      ? "视频已提交，审核结果将通过消息通知您。"
      : undefined;
    return await render(ctx.state, { notice });
  },

  async POST(ctx) {
    ctx.state.title = "视频认证";
    let form: FormData;
    try {
      form = await readForm(ctx.req);
    } catch (error) {
      if (error instanceof HttpError && error.status === 413) {
        return await render(ctx.state, { error: VIDEO_UPLOAD_MESSAGES.too_large }, 413);
      }
      throw error;
    }
    const file = form.get("video");
    const result = await submitVideo(ctx.state.sql, {
      userId: ctx.state.user!.id,
      video: file instanceof Blob && (file.size > 0 || (file as File).name !== "") ? file : null,
    }, { dataDir: ctx.state.config.dataDir });
    if (result.ok) return ctx.redirect("/account/video?done=1", 303);
    if (result.code === "invalid_input") {
      const status = result.fields.video[0] === VIDEO_UPLOAD_MESSAGES.too_large ? 413 : 422;
      return await render(ctx.state, { error: result.fields.video[0] }, status);
    }
    return await render(ctx.state, { formError: result.message }, 409);
  },
});

/** The video verification page. */
export default define.page<typeof handler>(({ data, state }) => {
  const latest = data.latest;
  const canUpload = data.verified && latest?.status !== "pending" && latest?.status !== "approved";
  return (
    <div class="card auth-card">
      <h1>视频认证</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
      {latest && (
        <dl class="kv-list" data-testid="video-status">
          <dt>认证状态</dt>
          <dd data-field="videoStatus">{STATUS_LABELS[latest.status]}</dd>
          <dt>提交时间</dt>
          <dd>
            <LocalTime at={latest.createdAt} withTime />
          </dd>
          {latest.status === "rejected" && latest.reviewReason && (
            <>
              <dt>未通过原因</dt>
              <dd>{latest.reviewReason}</dd>
            </>
          )}
          <dt>我的视频</dt>
          <dd>
            <a href={`/account/video/${latest.id}`}>查看已上传的视频</a>
          </dd>
        </dl>
      )}
      {!data.verified && (
        <p>
          请先完成实名认证，再进行视频认证。<a href="/account/identity">去实名认证</a>
        </p>
      )}
      {canUpload && (
        <form
          method="post"
          action={VIDEO_UPLOAD_PATH}
          encType="multipart/form-data"
          class="stack"
          novalidate
        >
          <CsrfField token={state.csrfToken} />
          <p class="muted">
            请正对镜头，手持身份证，清晰朗读：「本人自愿在本平台出借，已知晓出借风险」。视频时长 5–15 秒，
            支持 MP4、MOV、WebM 格式，不超过 {VIDEO_MAX_BYTES / 1024 / 1024} MB。视频仅您本人和审核人员可见。
          </p>
          <div class="form-field">
            <label for="f-video">认证视频</label>
            <input
              id="f-video"
              name="video"
              type="file"
              accept="video/mp4,video/quicktime,video/webm"
              capture="user"
              required
              aria-invalid={data.error ? "true" : undefined}
              aria-describedby={data.error ? "f-video-error" : undefined}
            />
            {data.error && <p class="field-error" id="f-video-error" role="alert">{data.error}</p>}
          </div>
          <button type="submit" class="btn btn-block">上传视频</button>
        </form>
      )}
    </div>
  );
});
