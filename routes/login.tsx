/**
 * `/login` — 登录 with phone + password. Failures say how many attempts are left, or how long the
 * account is locked; success replaces any previous session with a new one (new id) and goes to a safe
 * `?next=` (a same-site path) or `/account`.
 * @module
 */
import { page, readForm } from "../framework/mod.ts";
import { CsrfField, Field } from "../components/Field.tsx";
import { sessionCookie, sessionCookieName } from "../domain/accounts/session.ts";
import { INVALID_PHONE_MESSAGE, normalizePhone } from "../domain/accounts/phone.ts";
import { loginErrorMessage, loginUser } from "../domain/accounts/login.ts";
import { clientIp, define, getCookie, safeNextPath, secureCookies } from "../utils.ts";

interface LoginPageData {
  phone: string;
  next: string | null;
  errors: { phone?: string[]; password?: string[] };
  formError?: string;
}

export const handler = define.handlers({
  GET(ctx) {
    const next = safeNextPath(ctx.url.searchParams.get("next"));
    if (ctx.state.user) return ctx.redirect(next ?? "/account", 303);
    ctx.state.title = "登录";
    return page<LoginPageData>({ phone: "", next, errors: {} });
  },

  async POST(ctx) {
    ctx.state.title = "登录";
    const form = await readForm(ctx.req);
    const phone = String(form.get("phone") ?? "").slice(0, 30);
    const password = String(form.get("password") ?? "");
    const next = safeNextPath(String(form.get("next") ?? ""));
    const errors: LoginPageData["errors"] = {};
    if (phone.trim() === "") errors.phone = ["请输入手机号码"];
    else if (!normalizePhone(phone)) errors.phone = [INVALID_PHONE_MESSAGE];
    if (password === "") errors.password = ["请输入密码"];
    if (errors.phone || errors.password) return page<LoginPageData>({ phone, next, errors }, { status: 422 });

    const secure = secureCookies(ctx.state, ctx.url);
    const cookieName = sessionCookieName("user", secure);
    const result = await loginUser(ctx.state.sql, {
      phone,
      password,
      ip: clientIp(ctx.info),
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: ctx.state.sessionId ?? getCookie(ctx.req, cookieName),
    }, { cipher: ctx.state.pii });
    if (!result.ok) {
      const status = result.code === "locked" ? 429 : result.code === "account_disabled" ? 403 : 422;
      return page<LoginPageData>({ phone, next, errors: {}, formError: loginErrorMessage(result) }, {
        status,
      });
    }
    const res = ctx.redirect(next ?? "/account", 303);
    res.headers.append("set-cookie", sessionCookie(cookieName, result.sessionId, { secure }));
    return res;
  },
});

/** The log-in page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>登录</h1>
    <form method="post" action="/login" class="stack">
      <CsrfField token={state.csrfToken} />
      {data.next && <input type="hidden" name="next" value={data.next} />}
      {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
      <Field
        name="phone"
        label="手机号码"
        type="tel"
        inputMode="tel"
        autocomplete="username"
        maxLength={20}
        placeholder="11 位手机号码"
        required
        value={data.phone}
        errors={data.errors.phone}
      />
      <Field
        name="password"
        label="登录密码"
        type="password"
        autocomplete="current-password"
        maxLength={72}
        required
        errors={data.errors.password}
      />
      <button type="submit" class="btn btn-block">登录</button>
    </form>
    <p class="muted">
      还没有账户？<a href="/register">免费注册</a> · <a href="/help#password">忘记密码？</a>
    </p>
  </div>
));
