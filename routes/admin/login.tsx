/**
 * `/admin/login` — staff log-in (员工登录), step 1: username and password. Failures are rate-limited per
 * username and per IP (Chinese message with the lock time); a right password sets the short-lived pending
 * cookie and goes to the second step — `/admin/login/totp` (动态验证码), or `/admin/login/enrol` for a
 * member without TOTP — which creates the session and goes to `next` (an `/admin` path) or `/admin`.
 */
import { CsrfField, Field } from "../../components/Field.tsx";
import { page, readForm } from "../../framework/mod.ts";
import { loginStaff, staffLoginErrorMessage } from "../../domain/staff/staff.ts";
import { define, pendingCookieFor, safeNextPath, sessionCookieFor } from "../../utils.ts";
import { sessionCookie } from "../../domain/accounts/session.ts";
import { PENDING_LOGIN_TTL_SECONDS } from "../../domain/accounts/pending_login.ts";

interface LoginData {
  username: string;
  next: string;
  error: string | null;
  fieldErrors: { username?: string[]; password?: string[] };
}

/** Only a site path under `/admin` (not the log-in/out pages) may be a `next` target; else `/admin`. */
export function safeAdminNext(value: string | null): string {
  const path = safeNextPath(value);
  if (!path || !/^\/admin(?:[/?#]|$)/.test(path) || /^\/admin\/log(?:in|out)(?:[/?#]|$)/.test(path)) {
    return "/admin";
  }
  return path;
}

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "员工登录";
    const next = safeAdminNext(ctx.url.searchParams.get("next"));
    if (ctx.state.staff) return ctx.redirect(next, 303);
    return page<LoginData>({ username: "", next, error: null, fieldErrors: {} });
  },
  async POST(ctx) {
    ctx.state.title = "员工登录";
    const form = await readForm(ctx.req);
    const username = String(form.get("username") ?? "").trim().slice(0, 64);
    const password = String(form.get("password") ?? "");
    const next = safeAdminNext(String(form.get("next") ?? ""));
    const fieldErrors: LoginData["fieldErrors"] = {};
    if (!username) fieldErrors.username = ["请输入用户名"];
    if (!password) fieldErrors.password = ["请输入密码"];
    if (fieldErrors.username || fieldErrors.password) {
      return page<LoginData>({ username, next, error: null, fieldErrors }, { status: 400 });
    }
    const cookie = sessionCookieFor(ctx, "staff");
    const result = await loginStaff(ctx.state.sql, {
      username,
      password,
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: cookie.sessionId,
      nextPath: next,
    }, { securityLog: ctx.state.securityLog });
    if (result.ok) {
      const pending = pendingCookieFor(ctx, "staff");
      const res = ctx.redirect(result.step === "totp" ? "/admin/login/totp" : "/admin/login/enrol", 303);
      res.headers.append(
        "set-cookie",
        sessionCookie(pending.name, result.pendingId, {
          secure: pending.secure,
          maxAgeSeconds: PENDING_LOGIN_TTL_SECONDS,
        }),
      );
      return res;
    }
    const status = result.code === "locked" ? 429 : result.code === "account_disabled" ? 403 : 401;
    const error = staffLoginErrorMessage(result);
    return page<LoginData>({ username, next, error, fieldErrors: {} }, { status });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <section class="card auth-card admin-login">
    <h1>员工登录</h1>
    <p class="muted">仅限平台员工使用。所有操作均记录在操作日志中。</p>
    {data.error && <p class="form-error" role="alert">{data.error}</p>}
    <form method="post" action="/admin/login" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <input type="hidden" name="next" value={data.next} />
      <Field
        name="username"
        label="用户名"
        value={data.username}
        autocomplete="username"
        required
        maxLength={64}
        errors={data.fieldErrors.username}
      />
      <Field
        name="password"
        label="密码"
        type="password"
        autocomplete="current-password"
        required
        maxLength={200}
        errors={data.fieldErrors.password}
      />
      <button class="btn btn-block" type="submit">登录</button>
    </form>
  </section>
));
