/**
 * The back-office error page (status 500, or an `HttpError` status) inside the admin layout: 无权访问 for
 * 403, a short Chinese explanation for other client errors, else 系统繁忙 with the request id to quote to
 * technical support. Never the error's message or stack.
 */
import { AdminForbidden } from "../../components/AdminShell.tsx";
import { HttpError, type PageTitle } from "../../framework/mod.ts";
import { define, type State } from "../../utils.ts";

const CLIENT_ERRORS: Record<number, { title: string; text: string }> = {
  400: { title: "请求有误", text: "提交的内容无法处理，请返回上一页检查后重试。" },
  405: { title: "请求方式不支持", text: "请通过页面上的链接或按钮操作。" },
  409: { title: "操作冲突", text: "数据已被他人更改，请刷新页面后重试。" },
  413: { title: "内容过大", text: "上传的内容超过了大小限制。" },
  415: { title: "内容格式不支持", text: "提交的内容格式无法处理，请通过页面上的表单提交。" },
  429: { title: "操作过于频繁", text: "请稍等片刻后再试。" },
};

function statusOf(error: unknown): number {
  return error instanceof HttpError ? error.status : 500;
}

/** The document title for the error's status. */
export const title: PageTitle<unknown, State> = ({ error }) => {
  const status = statusOf(error);
  return status === 403 ? "无权访问" : CLIENT_ERRORS[status]?.title ?? "系统繁忙";
};

export default define.page(({ error, state }) => {
  const status = statusOf(error);
  if (status === 403) return <AdminForbidden />;
  const known = CLIENT_ERRORS[status];
  const requestId = typeof state?.requestId === "string" ? state.requestId : null;
  return (
    <section class="card error-page">
      <h1>{known?.title ?? "系统繁忙"}</h1>
      <p>{known?.text ?? "系统暂时无法处理该请求，请稍后再试。"}</p>
      {requestId && (
        <p class="request-id">
          请求编号：<code>{requestId}</code>
          <br />
          <span class="muted">如问题持续出现，请将此编号告知技术支持。</span>
        </p>
      )}
      <p class="btn-row">
        <a class="btn" href="/admin">返回概览</a>
      </p>
    </section>
  );
});
