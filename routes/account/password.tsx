/**
 * `/account/password` — 修改登录密码: the current password, the new one (the registration policy) twice.
 * Success ends every other session (this browser continues under a new session id) and notifies the user.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { LoginPasswordField } from "../../components/ReauthFields.tsx";
import { NewPasswordFields } from "../../components/NewPasswordFields.tsx";
import { PASSWORD_MAX_CHARS } from "../../domain/accounts/password.ts";
import { changePassword } from "../../domain/accounts/password_change.ts";
import { define, formText, redirectSignedIn, sessionCookieFor } from "../../utils.ts";

interface PasswordPageData {
  errors: Record<string, string[]>;
  notice?: string;
}

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "修改登录密码";
    const done = ctx.url.searchParams.get("done") === "1";
    return page<PasswordPageData>({
      errors: {},
      notice: done ? "登录密码已修改，其他设备上的登录已全部退出。" : undefined,
    });
  },
  async POST(ctx) {
    ctx.state.title = "修改登录密码";
    const user = ctx.state.user!;
    const form = await readForm(ctx.req);
    const text = formText(form, PASSWORD_MAX_CHARS * 2);
    const cookie = sessionCookieFor(ctx, "user");
    const result = await changePassword(ctx.state.sql, {
      userId: user.id,
      oldPassword: text("oldPassword"),
      newPassword: text("newPassword"),
      confirm: text("confirm"),
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox, securityLog: ctx.state.securityLog });
    if (result.ok) return redirectSignedIn(ctx, "/account/password?done=1", cookie, result.session.sessionId);
    if (result.code === "not_found") return ctx.redirect("/login", 303);
    return page<PasswordPageData>({ errors: result.fields }, { status: 422 });
  },
});

/** The password change page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>修改登录密码</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <form method="post" action="/account/password" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <LoginPasswordField name="oldPassword" label="当前登录密码" required errors={data.errors.oldPassword} />
      <NewPasswordFields errors={data.errors} required />
      <button type="submit" class="btn btn-block">修改密码</button>
    </form>
    <p class="muted">
      修改后，其他设备上的登录将全部退出。<a href="/account/security">返回安全中心</a>
    </p>
  </div>
));
