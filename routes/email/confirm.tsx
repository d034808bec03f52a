/**
 * `/email/confirm?token=…` — 确认绑定邮箱: the link of the binding e-mail. Opening it shows a button (a
 * link preview or scanner must not bind anything); pressing it uses the single-use token and binds the
 * address. Works without being signed in (the token is the proof).
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { confirmEmailBinding, EMAIL_MESSAGES, maskEmail } from "../../domain/accounts/email.ts";
import { define } from "../../utils.ts";

interface ConfirmData {
  token: string;
  result: { ok: true; email: string } | { ok: false; message: string } | null;
}

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "确认绑定邮箱";
    const token = (ctx.url.searchParams.get("token") ?? "").slice(0, 100);
    return page<ConfirmData>({ token, result: null });
  },
  async POST(ctx) {
    ctx.state.title = "确认绑定邮箱";
    const form = await readForm(ctx.req);
    const token = String(form.get("token") ?? "").slice(0, 100);
    const r = await confirmEmailBinding(ctx.state.sql, { token }, {
      cipher: ctx.state.pii,
      outbox: ctx.state.outbox,
    });
    if (r.ok) return page<ConfirmData>({ token: "", result: { ok: true, email: maskEmail(r.email) } });
    return page<ConfirmData>({ token: "", result: { ok: false, message: EMAIL_MESSAGES[r.code] } }, {
      status: 422,
    });
  },
});

/** The confirmation page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>确认绑定邮箱</h1>
    {data.result === null && (
      <form method="post" action="/email/confirm" class="stack">
        <CsrfField token={state.csrfToken} />
        <input type="hidden" name="token" value={data.token} />
        <p>点击下方按钮，确认将该邮箱绑定到您的账户。</p>
        <button type="submit" class="btn btn-block">确认绑定</button>
      </form>
    )}
    {data.result?.ok === true && <p class="form-ok" role="status">邮箱 {data.result.email} 已绑定成功。</p>}
    {data.result?.ok === false && <p class="form-error" role="alert">{data.result.message}</p>}
    <p class="muted">
      <a href={state.user ? "/account/security" : "/login"}>{state.user ? "返回安全中心" : "去登录"}</a>
    </p>
  </div>
));
