/**
 * `/login` — 登录 with phone + password. Failures say how many attempts are left, or how long the
 * account (or this network) is locked — a locked account is offered 短信验证码登录 / 解锁 (`/login/sms`);
 * success replaces any previous session with a new one (new id) and goes to a safe `?next=` (a same-site
 * path) or `/account`.
 * @module
 */
import { page, readForm } from "../framework/mod.ts";
import { CsrfField, Field, PhoneField } from "../components/Field.tsx";
import { INVALID_PHONE_MESSAGE, normalizePhone } from "../domain/accounts/phone.ts";
import { loginErrorMessage, loginUserOnDevice } from "../domain/accounts/login.ts";
import { sessionCookie } from "../domain/accounts/session.ts";
import { PENDING_LOGIN_TTL_SECONDS } from "../domain/accounts/pending_login.ts";
import { PASSWORD_MAX_CHARS } from "../domain/accounts/password.ts";
import {
  define,
  deviceIdFor,
  pendingCookieFor,
  redirectSignedIn,
  safeNextPath,
  sessionCookieFor,
} from "../utils.ts";

interface LoginPageData {
  phone: string;
  next: string | null;
  errors: { phone?: string[]; password?: string[] };
  formError?: string;
  /** The account is locked: offer 短信验证码登录 / 解锁. */
  offerSmsLogin?: boolean;
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

    const cookie = sessionCookieFor(ctx, "user");
    const device = deviceIdFor(ctx);
    const result = await loginUserOnDevice(ctx.state.sql, {
      phone,
      password,
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: cookie.sessionId,
      deviceId: device.deviceId,
      nextPath: next,
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox, securityLog: ctx.state.securityLog });
    if (!result.ok && result.code === "device_unconfirmed") {
      // a new device: the SMS code sent to the account's phone confirms it (/login/device)
      const pending = pendingCookieFor(ctx, "user");
      const res = ctx.redirect("/login/device", 303);
      res.headers.append(
        "set-cookie",
        sessionCookie(pending.name, result.pendingId, {
          secure: pending.secure,
          maxAgeSeconds: PENDING_LOGIN_TTL_SECONDS,
        }),
      );
      if (device.setCookie) res.headers.append("set-cookie", device.setCookie);
      return res;
    }
    if (!result.ok) {
      const status = result.code === "locked" ? 429 : result.code === "account_disabled" ? 403 : 422;
      const offerSmsLogin = result.code === "locked";
      return page<LoginPageData>(
        { phone, next, errors: {}, formError: loginErrorMessage(result), offerSmsLogin },
        { status },
      );
    }
    const res = redirectSignedIn(ctx, next ?? "/account", cookie, result.sessionId);
    if (device.setCookie) res.headers.append("set-cookie", device.setCookie);
    return res;
  },
});

/** The SMS log-in page, keeping where to go afterwards. */
function smsLoginHref(next: string | null): string {
  return next ? `/login/sms?next=${encodeURIComponent(next)}` : "/login/sms";
}

/** The log-in page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>登录</h1>
    <form method="post" action="/login" class="stack">
      <CsrfField token={state.csrfToken} />
      {data.next && <input type="hidden" name="next" value={data.next} />}
      {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
      {data.offerSmsLogin && (
        <p class="muted">
          本人手机可接收短信？<a href={smsLoginHref(data.next)}>
            短信验证码登录 / 解锁
          </a>，验证后即可登录并解除锁定。
        </p>
      )}
      <PhoneField value={data.phone} errors={data.errors.phone} />
      <Field
        name="password"
        label="登录密码"
        type="password"
        autocomplete="current-password"
        maxLength={PASSWORD_MAX_CHARS}
        required
        errors={data.errors.password}
      />
      <button type="submit" class="btn btn-block">登录</button>
    </form>
    <p class="muted">
      还没有账户？<a href="/register">免费注册</a> · <a href={smsLoginHref(data.next)}>短信验证码登录</a> ·
      {" "}
      <a href="/reset-password">忘记密码？</a>
    </p>
  </div>
));
