/**
 * `/login/sms` — 短信验证码登录 / 解锁: log in with the phone and an SMS code (purpose `login`, from the
 * 「获取验证码」 island through `/api/sms_code`, or the no-script `intent=send_code`). Proving the phone logs
 * the user in and lifts the account's password lock, so nobody can keep an owner locked out by typing wrong
 * passwords for the number. Whether a phone has an account is never said: the code is "sent" either way.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit, PhoneField } from "../../components/Field.tsx";
import { SandboxSmsNote, SmsCodeField } from "../../components/SmsCodeField.tsx";
import { loginUserWithSmsCode, sendLoginSmsCode, SMS_LOGIN_MESSAGES } from "../../domain/accounts/login.ts";
import { define, deviceIdFor, redirectSignedIn, safeNextPath, sessionCookieFor } from "../../utils.ts";

interface SmsLoginPageData {
  phone: string;
  smsCode: string;
  next: string | null;
  errors: { phone?: string[]; smsCode?: string[] };
  formError?: string;
  codeSent?: { resendAfterSeconds: number } | null;
  retryAfterSeconds?: number;
}

export const handler = define.handlers({
  GET(ctx) {
    const next = safeNextPath(ctx.url.searchParams.get("next"));
    if (ctx.state.user) return ctx.redirect(next ?? "/account", 303);
    ctx.state.title = "短信验证码登录";
    return page<SmsLoginPageData>({ phone: "", smsCode: "", next, errors: {} });
  },

  async POST(ctx) {
    ctx.state.title = "短信验证码登录";
    const form = await readForm(ctx.req);
    const phone = String(form.get("phone") ?? "").slice(0, 30);
    const smsCode = String(form.get("smsCode") ?? "").trim().slice(0, 10);
    const next = safeNextPath(String(form.get("next") ?? ""));
    const data: SmsLoginPageData = { phone, smsCode, next, errors: {} };

    if (form.get("intent") === "send_code") {
      const sent = await sendLoginSmsCode(ctx.state.sql, { rawPhone: phone, ip: ctx.state.clientIp }, {
        outbox: ctx.state.outbox,
        cipher: ctx.state.pii,
      });
      if (sent.ok) return page<SmsLoginPageData>({ ...data, codeSent: sent });
      return page<SmsLoginPageData>({
        ...data,
        errors: { phone: [sent.message] },
        retryAfterSeconds: sent.code === "throttled" ? sent.retryAfterSeconds : 0,
      }, { status: sent.code === "throttled" ? 429 : 422 });
    }

    if (phone.trim() === "") data.errors.phone = ["请输入手机号码"];
    if (!/^\d{6}$/.test(smsCode)) data.errors.smsCode = ["请输入 6 位数字短信验证码"];
    if (data.errors.phone || data.errors.smsCode) return page<SmsLoginPageData>(data, { status: 422 });

    const cookie = sessionCookieFor(ctx, "user");
    const device = deviceIdFor(ctx);
    const result = await loginUserWithSmsCode(ctx.state.sql, {
      phone,
      code: smsCode,
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: cookie.sessionId,
      deviceId: device.deviceId,
    }, { cipher: ctx.state.pii, securityLog: ctx.state.securityLog });
    if (result.ok) {
      // the code proved the phone on this device: it becomes known
      const res = redirectSignedIn(ctx, next ?? "/account", cookie, result.sessionId);
      if (device.setCookie) res.headers.append("set-cookie", device.setCookie);
      return res;
    }
    switch (result.code) {
      case "invalid_phone":
        return page<SmsLoginPageData>({ ...data, errors: { phone: [SMS_LOGIN_MESSAGES.invalid_phone] } }, {
          status: 422,
        });
      case "throttled":
        return page<SmsLoginPageData>({
          ...data,
          formError: SMS_LOGIN_MESSAGES.throttled(result.retryAfterSeconds),
        }, {
          status: 429,
        });
      case "account_disabled":
        return page<SmsLoginPageData>({ ...data, formError: SMS_LOGIN_MESSAGES.account_disabled }, {
          status: 403,
        });
      default:
        return page<SmsLoginPageData>({ ...data, errors: { smsCode: [SMS_LOGIN_MESSAGES[result.code]] } }, {
          status: 422,
        });
    }
  },
});

/** The SMS log-in page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>短信验证码登录</h1>
    <p class="muted">用注册手机号接收验证码登录。账户因密码输错被锁定时，验证后即可登录并解除锁定。</p>
    <form method="post" action="/login/sms" class="stack">
      <CsrfField token={state.csrfToken} />
      {/* Enter in any field logs in (the first submit button is the form's default button). */}
      <DefaultSubmit intent="login" label="登录" />
      {data.next && <input type="hidden" name="next" value={data.next} />}
      {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
      <PhoneField value={data.phone} errors={data.errors.phone} />
      <SmsCodeField
        purpose="login"
        value={data.smsCode}
        errors={data.errors.smsCode}
        csrfToken={state.csrfToken}
        codeSent={data.codeSent}
        retryAfterSeconds={data.retryAfterSeconds}
      />
      {state.config.demo && <SandboxSmsNote />}
      <button type="submit" class="btn btn-block">登录</button>
    </form>
    <p class="muted">
      <a href="/login">使用密码登录</a> · <a href="/register">免费注册</a>
    </p>
  </div>
));
