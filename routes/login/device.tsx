/**
 * `/login/device` — 新设备登录验证: after a right password from a device this account has not used, the
 * SMS code sent to the account's phone confirms the log-in; the device becomes known and the session is
 * created (then `next` or `/account`). Needs the pending cookie of the password step (else back to
 * `/login`). 「重新发送」 sends a new code within the SMS quotas.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit } from "../../components/Field.tsx";
import { OwnSmsCodeField } from "../../components/OwnSmsCodeField.tsx";
import { SandboxSmsNote } from "../../components/SmsCodeField.tsx";
import {
  confirmDeviceLogin,
  DEVICE_LOGIN_MESSAGES,
  pendingDeviceLogin,
  resendDeviceCode,
} from "../../domain/accounts/device.ts";
import { clearSessionCookie } from "../../domain/accounts/session.ts";
import {
  define,
  deviceIdFor,
  pendingCookieFor,
  redirectSignedIn,
  safeNextPath,
  sessionCookieFor,
} from "../../utils.ts";

interface DevicePageData {
  phoneMasked: string;
  smsCode: string;
  error?: string;
  notice?: string;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "新设备登录验证";
    const pending = await pendingDeviceLogin(
      ctx.state.sql,
      pendingCookieFor(ctx, "user").pendingId,
      ctx.state.pii,
    );
    if (!pending) return ctx.redirect("/login", 303);
    return page<DevicePageData>({ phoneMasked: pending.phoneMasked, smsCode: "" });
  },

  async POST(ctx) {
    ctx.state.title = "新设备登录验证";
    const pendingCookie = pendingCookieFor(ctx, "user");
    const pending = await pendingDeviceLogin(ctx.state.sql, pendingCookie.pendingId, ctx.state.pii);
    if (!pending) return ctx.redirect("/login", 303);
    const form = await readForm(ctx.req);
    const smsCode = String(form.get("smsCode") ?? "").trim().slice(0, 10);
    const data: DevicePageData = { phoneMasked: pending.phoneMasked, smsCode };
    if (form.get("intent") === "send_code") {
      const sent = await resendDeviceCode(ctx.state.sql, {
        pendingId: pendingCookie.pendingId,
        ip: ctx.state.clientIp,
      }, { cipher: ctx.state.pii, outbox: ctx.state.outbox });
      if (sent.ok) return page<DevicePageData>({ ...data, notice: `验证码已发送至 ${pending.phoneMasked}` });
      if (sent.code === "expired") return ctx.redirect("/login", 303);
      return page<DevicePageData>({ ...data, error: sent.message }, { status: 429 });
    }
    if (!/^\d{6}$/.test(smsCode)) {
      return page<DevicePageData>({ ...data, error: DEVICE_LOGIN_MESSAGES.required }, { status: 422 });
    }
    const cookie = sessionCookieFor(ctx, "user");
    const device = deviceIdFor(ctx);
    const result = await confirmDeviceLogin(ctx.state.sql, {
      pendingId: pendingCookie.pendingId,
      code: smsCode,
      deviceId: device.deviceId,
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: cookie.sessionId,
    }, { cipher: ctx.state.pii, securityLog: ctx.state.securityLog });
    if (result.ok) {
      const res = redirectSignedIn(
        ctx,
        safeNextPath(result.nextPath) ?? "/account",
        cookie,
        result.sessionId,
      );
      res.headers.append(
        "set-cookie",
        clearSessionCookie(pendingCookie.name, { secure: pendingCookie.secure }),
      );
      if (device.setCookie) res.headers.append("set-cookie", device.setCookie);
      return res;
    }
    switch (result.code) {
      case "expired":
        return ctx.redirect("/login", 303);
      case "account_disabled":
        return page<DevicePageData>({ ...data, error: DEVICE_LOGIN_MESSAGES.account_disabled }, {
          status: 403,
        });
      case "invalid_code":
        if (result.attemptsLeft === 0) {
          return page<DevicePageData>({ ...data, error: DEVICE_LOGIN_MESSAGES.invalid_code(0) }, {
            status: 422,
          });
        }
        return page<DevicePageData>({
          ...data,
          error: DEVICE_LOGIN_MESSAGES.invalid_code(result.attemptsLeft),
        }, {
          status: 422,
        });
      default:
        return page<DevicePageData>({ ...data, error: DEVICE_LOGIN_MESSAGES[result.code] }, { status: 422 });
    }
  },
});

/** The new-device confirmation page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>新设备登录验证</h1>
    <p class="muted">
      您正在新的设备或浏览器上登录。为保护账户安全，请输入发送至 {data.phoneMasked}{" "}
      的短信验证码。验证后，本设备将被记住。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <form method="post" action="/login/device" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <DefaultSubmit intent="confirm" label="验证并登录" />
      {data.error && <p class="form-error" role="alert">{data.error}</p>}
      <OwnSmsCodeField value={data.smsCode} />
      {state.config.demo && <SandboxSmsNote />}
      <button type="submit" name="intent" value="confirm" class="btn btn-block">验证并登录</button>
    </form>
    <p class="muted">
      <a href="/login">返回登录</a>
    </p>
  </div>
));
