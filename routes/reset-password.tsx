/**
 * `/reset-password` — 找回密码: phone + SMS code (purpose `reset_password`) + new password. The code is
 * "sent" for every valid phone alike (only registered phones really get one), so the page never says
 * whether a number has an account. Success ends every session of the account and notifies it; then log in.
 * @module
 */
import { page, readForm } from "../framework/mod.ts";
import { CsrfField, DefaultSubmit, PhoneField } from "../components/Field.tsx";
import { NewPasswordFields } from "../components/NewPasswordFields.tsx";
import { OwnSmsCodeField } from "../components/OwnSmsCodeField.tsx";
import { SandboxSmsNote } from "../components/SmsCodeField.tsx";
import { PASSWORD_MAX_CHARS } from "../domain/accounts/password.ts";
import {
  PASSWORD_CHANGE_MESSAGES,
  resetPassword,
  sendResetSmsCode,
} from "../domain/accounts/password_change.ts";
import { define, formText } from "../utils.ts";

interface ResetPageData {
  phone: string;
  smsCode: string;
  errors: Record<string, string[]>;
  formError?: string;
  notice?: string;
  done?: boolean;
}

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "找回密码";
    return page<ResetPageData>({
      phone: "",
      smsCode: "",
      errors: {},
      done: ctx.url.searchParams.get("done") === "1",
    });
  },

  async POST(ctx) {
    ctx.state.title = "找回密码";
    const form = await readForm(ctx.req);
    const phone = String(form.get("phone") ?? "").slice(0, 30);
    const smsCode = String(form.get("smsCode") ?? "").trim().slice(0, 10);
    const data: ResetPageData = { phone, smsCode, errors: {} };
    if (form.get("intent") === "send_code") {
      const sent = await sendResetSmsCode(ctx.state.sql, { rawPhone: phone, ip: ctx.state.clientIp }, {
        outbox: ctx.state.outbox,
        cipher: ctx.state.pii,
      });
      if (sent.ok) return page<ResetPageData>({ ...data, notice: "验证码已发送，5 分钟内有效" });
      const status = sent.code === "throttled" ? 429 : 422;
      return page<ResetPageData>({ ...data, errors: { phone: [sent.message] } }, { status });
    }
    const text = formText(form, PASSWORD_MAX_CHARS * 2);
    const result = await resetPassword(ctx.state.sql, {
      phone,
      smsCode,
      newPassword: text("newPassword"),
      confirm: text("confirm"),
      ip: ctx.state.clientIp,
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox, securityLog: ctx.state.securityLog });
    if (result.ok) return ctx.redirect("/reset-password?done=1", 303);
    if (result.code === "throttled") {
      return page<ResetPageData>({
        ...data,
        formError: PASSWORD_CHANGE_MESSAGES.throttled(result.retryAfterSeconds),
      }, {
        status: 429,
      });
    }
    return page<ResetPageData>({ ...data, errors: result.fields }, { status: 422 });
  },
});

/** The reset page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>找回密码</h1>
    {data.done
      ? (
        <>
          <p class="form-ok" role="status">密码已重置，所有设备上的登录均已退出。请使用新密码登录。</p>
          <p>
            <a class="btn btn-block" href="/login">去登录</a>
          </p>
        </>
      )
      : (
        <form method="post" action="/reset-password" class="stack" novalidate>
          <CsrfField token={state.csrfToken} />
          <DefaultSubmit intent="reset" label="重置密码" />
          {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
          {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
          <PhoneField value={data.phone} errors={data.errors.phone} autocomplete="tel-national" />
          <OwnSmsCodeField
            value={data.smsCode}
            errors={data.errors.smsCode}
            hint="验证码发送至上面的手机号"
          />
          {state.config.demo && <SandboxSmsNote />}
          <NewPasswordFields errors={data.errors} />
          <button type="submit" name="intent" value="reset" class="btn btn-block">重置密码</button>
        </form>
      )}
    <p class="muted">
      <a href="/login">返回登录</a> · <a href="/login/sms">短信验证码登录</a>
    </p>
  </div>
));
