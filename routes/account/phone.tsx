/**
 * `/account/phone` — 更换手机号: the login password, a code to the current phone and a code to the new
 * phone. Success ends every other session (this browser continues under a new id) and tells both phones.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit, Field } from "../../components/Field.tsx";
import { LoginPasswordField } from "../../components/ReauthFields.tsx";
import { OwnSmsCodeField } from "../../components/OwnSmsCodeField.tsx";
import { SandboxSmsNote } from "../../components/SmsCodeField.tsx";
import { PASSWORD_MAX_CHARS } from "../../domain/accounts/password.ts";
import { changePhone, sendPhoneChangeCode } from "../../domain/accounts/phone_change.ts";
import { define, formText, redirectSignedIn, sessionCookieFor } from "../../utils.ts";

interface PhonePageData {
  newPhone: string;
  oldCode: string;
  newCode: string;
  errors: Record<string, string[]>;
  notice?: string;
}

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "更换手机号";
    const done = ctx.url.searchParams.get("done") === "1";
    return page<PhonePageData>({
      newPhone: "",
      oldCode: "",
      newCode: "",
      errors: {},
      notice: done ? `手机号已更换为 ${ctx.state.user!.phoneMasked}，其他设备上的登录已退出。` : undefined,
    });
  },
  async POST(ctx) {
    ctx.state.title = "更换手机号";
    const user = ctx.state.user!;
    const form = await readForm(ctx.req);
    const text = formText(form, 30);
    const data: PhonePageData = {
      newPhone: text("newPhone"),
      oldCode: text("oldCode", 10).trim(),
      newCode: text("newCode", 10).trim(),
      errors: {},
    };
    const intent = text("intent");
    if (intent === "send_old" || intent === "send_new") {
      const which = intent === "send_old" ? "old" : "new";
      const sent = await sendPhoneChangeCode(ctx.state.sql, {
        userId: user.id,
        which,
        newPhone: data.newPhone,
        ip: ctx.state.clientIp,
      }, { outbox: ctx.state.outbox, cipher: ctx.state.pii });
      if (sent.ok) {
        return page<PhonePageData>({
          ...data,
          notice: which === "old" ? `验证码已发送至当前手机 ${user.phoneMasked}` : "验证码已发送至新手机号",
        });
      }
      const field = which === "old" || sent.code === "throttled"
        ? (which === "old" ? "oldCode" : "newCode")
        : "newPhone";
      return page<PhonePageData>({ ...data, errors: { [field]: [sent.message] } }, {
        status: sent.code === "throttled" ? 429 : 422,
      });
    }
    const cookie = sessionCookieFor(ctx, "user");
    const result = await changePhone(ctx.state.sql, {
      userId: user.id,
      loginPassword: text("loginPassword", PASSWORD_MAX_CHARS),
      oldCode: data.oldCode,
      newPhone: data.newPhone,
      newCode: data.newCode,
      ip: ctx.state.clientIp,
      userAgent: ctx.req.headers.get("user-agent"),
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox });
    if (result.ok) return redirectSignedIn(ctx, "/account/phone?done=1", cookie, result.session.sessionId);
    if (result.code === "not_found") return ctx.redirect("/login", 303);
    return page<PhonePageData>({ ...data, errors: result.fields }, { status: 422 });
  },
});

/** The phone change page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>更换手机号</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <p class="muted">
      当前手机号：{state.user?.phoneMasked}。更换后请使用新手机号登录，其他设备上的登录将退出。
    </p>
    <form method="post" action="/account/phone" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <DefaultSubmit intent="change" label="确认更换" />
      <LoginPasswordField errors={data.errors.loginPassword} />
      <OwnSmsCodeField
        name="oldCode"
        label="当前手机验证码"
        sendIntent="send_old"
        value={data.oldCode}
        errors={data.errors.oldCode}
        hint={`发送至当前手机 ${state.user?.phoneMasked ?? ""}`}
      />
      <Field
        name="newPhone"
        label="新手机号码"
        type="tel"
        inputMode="tel"
        autocomplete="tel-national"
        maxLength={20}
        placeholder="11 位手机号码"
        value={data.newPhone}
        errors={data.errors.newPhone}
      />
      <OwnSmsCodeField
        name="newCode"
        label="新手机验证码"
        sendIntent="send_new"
        value={data.newCode}
        errors={data.errors.newCode}
        hint="先填写新手机号码，再获取验证码"
      />
      {state.config.demo && <SandboxSmsNote />}
      <button type="submit" name="intent" value="change" class="btn btn-block">确认更换</button>
    </form>
    <p class="muted">
      <a href="/account/security">返回安全中心</a>
    </p>
  </div>
));
