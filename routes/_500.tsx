/**
 * The error page: 系统繁忙 for unexpected errors (status 500), or a short Chinese explanation for an
 * `HttpError` status. It shows the request id so a user can quote it to customer service, and never the
 * error's message or stack.
 */
import { HttpError } from "../framework/mod.ts";
import { SERVICE_PHONE } from "../domain/shared/brand.ts";
import { define } from "../utils.ts";

const CLIENT_ERRORS: Record<number, { title: string; text: string }> = {
  400: { title: "请求有误", text: "提交的内容无法处理，请返回上一页检查后重试。" },
  401: { title: "请先登录", text: "此页面需要登录后访问。" },
  403: { title: "无权访问", text: "您没有访问此页面的权限。" },
  405: { title: "请求方式不支持", text: "请通过页面上的链接或按钮访问。" },
  409: { title: "操作冲突", text: "数据已被更改，请刷新页面后重试。" },
  413: { title: "内容过大", text: "上传的内容超过了大小限制。" },
  415: { title: "内容格式不支持", text: "提交的内容格式无法处理，请通过页面上的表单提交。" },
  429: { title: "操作过于频繁", text: "请稍等片刻后再试。" },
  503: {
    title: "服务暂不可用",
    text: "系统正在恢复，请稍后再试。您已提交的操作不会重复执行，资金以账户记录为准。",
  },
};

export const title = ({ error }: { error?: unknown }) =>
  CLIENT_ERRORS[error instanceof HttpError ? error.status : 500]?.title ?? "系统繁忙";

export default define.page(({ error, state }) => {
  const status = error instanceof HttpError ? error.status : 500;
  const known = CLIENT_ERRORS[status];
  const requestId = typeof state?.requestId === "string" ? state.requestId : null;
  return (
    <section class="card error-page">
      <h1>{known?.title ?? "系统繁忙"}</h1>
      <p>{known?.text ?? "系统暂时无法处理您的请求，请稍后再试。"}</p>
      {requestId && (
        <p class="request-id">
          请求编号：<code>{requestId}</code>
          <br />
          <span class="muted">如问题持续出现，请联系客服 {SERVICE_PHONE} 并提供此编号。</span>
        </p>
      )}
      <p class="btn-row">
        <a class="btn" href="/">返回首页</a>
        <a class="btn btn-secondary" href="/help">帮助中心</a>
      </p>
    </section>
  );
});
