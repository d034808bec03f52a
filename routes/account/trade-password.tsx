/**
 * `/account/trade-password` — 设置 / 修改 / 重置交易密码: a 6-digit trade password, proved by the login
 * password or by an SMS code to the account's phone (plus the ID number once the identity is verified —
 * the 忘记交易密码 path). Bad input re-renders with the message next to the field (422).
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit, Field } from "../../components/Field.tsx";
import { LoginPasswordField, ReauthMethodChoice } from "../../components/ReauthFields.tsx";
import { OwnSmsCodeField } from "../../components/OwnSmsCodeField.tsx";
import { TradePasswordField } from "../../components/TradePasswordField.tsx";
import { SandboxSmsNote } from "../../components/SmsCodeField.tsx";
import { sendOwnSmsCode } from "../../domain/accounts/reauth.ts";
import { setTradePassword, tradePasswordStatus } from "../../domain/accounts/trade_password.ts";
import { verifiedIdentityLookup } from "../../domain/accounts/security_centre.ts";
import { PASSWORD_MAX_CHARS } from "../../domain/accounts/password.ts";
import { define, formText } from "../../utils.ts";

interface TradePasswordPageData {
  isSet: boolean;
  method: "login_password" | "sms";
  smsCode: string;
  idRequired: boolean;
  errors: Record<string, string[]>;
  notice?: string;
}

export const handler = define.handlers({
  async GET(ctx) {
    const user = ctx.state.user!;
    ctx.state.title = "交易密码";
    const status = await tradePasswordStatus(ctx.state.sql, user.id);
    const idRequired = (await verifiedIdentityLookup(ctx.state)(user.id)) !== null;
    const done = ctx.url.searchParams.get("done");
    return page<TradePasswordPageData>({
      isSet: status !== null,
      method: ctx.url.searchParams.get("method") === "sms" ? "sms" : "login_password",
      smsCode: "",
      idRequired,
      errors: {},
      notice: done === "set" ? "交易密码已设置。" : done === "changed" ? "交易密码已修改。" : undefined,
    });
  },

  async POST(ctx) {
    const user = ctx.state.user!;
    ctx.state.title = "交易密码";
    const form = await readForm(ctx.req);
    const text = formText(form, 64);
    const method = text("method") === "sms" ? "sms" : "login_password";
    const lookup = verifiedIdentityLookup(ctx.state);
    const status = await tradePasswordStatus(ctx.state.sql, user.id);
    const base: TradePasswordPageData = {
      isSet: status !== null,
      method,
      smsCode: text("smsCode", 10).trim(),
      idRequired: (await lookup(user.id)) !== null,
      errors: {},
    };
    if (text("intent") === "send_code") {
      const sent = await sendOwnSmsCode(ctx.state.sql, {
        userId: user.id,
        purpose: "trade_password",
        ip: ctx.state.clientIp,
      }, { outbox: ctx.state.outbox, cipher: ctx.state.pii });
      if (sent.ok) {
        return page<TradePasswordPageData>({
          ...base,
          method: "sms",
          notice: `验证码已发送至 ${user.phoneMasked}`,
        });
      }
      return page<TradePasswordPageData>({ ...base, method: "sms", errors: { smsCode: [sent.message] } }, {
        status: sent.code === "throttled" ? 429 : 422,
      });
    }
    const result = await setTradePassword(ctx.state.sql, {
      userId: user.id,
      newPassword: text("newPassword", 20),
      confirm: text("confirm", 20),
      proof: method === "sms"
        ? { method: "sms", smsCode: base.smsCode, idNumber: text("idNumber", 30) }
        : { method: "login_password", loginPassword: text("loginPassword", PASSWORD_MAX_CHARS) },
      ip: ctx.state.clientIp,
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox, verifiedIdentity: lookup });
    if (result.ok) {
      return ctx.redirect(`/account/trade-password?done=${result.changed ? "changed" : "set"}`, 303);
    }
    if (result.code === "not_found") return ctx.redirect("/login", 303);
    return page<TradePasswordPageData>({ ...base, errors: result.fields }, { status: 422 });
  },
});

/** The trade password page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>{data.isSet ? "修改 / 重置交易密码" : "设置交易密码"}</h1>
    <p class="muted">
      交易密码为 6 位数字，用于充值、提现、投标等资金操作，与登录密码不同。连续输错 5 次将锁定 30 分钟。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <form method="post" action="/account/trade-password" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <DefaultSubmit intent="save" label="保存" />
      <TradePasswordField
        name="newPassword"
        label="新交易密码"
        noLink
        autocomplete="new-password"
        errors={data.errors.newPassword}
      />
      <TradePasswordField
        name="confirm"
        label="确认交易密码"
        noLink
        autocomplete="new-password"
        errors={data.errors.confirm}
      />
      <fieldset class="stack">
        <legend>验证身份</legend>
        <ReauthMethodChoice
          method={data.method}
          smsLabel={data.idRequired ? "短信验证码 + 身份证号（忘记密码时）" : "短信验证码（忘记密码时）"}
        />
        <LoginPasswordField hint="选择「登录密码」验证时填写" errors={data.errors.loginPassword} />
        <OwnSmsCodeField
          value={data.smsCode}
          errors={data.errors.smsCode}
          hint={`选择「短信验证码」验证时填写，验证码发送至 ${state.user?.phoneMasked ?? "注册手机"}`}
        />
        {data.idRequired && (
          <Field
            name="idNumber"
            label="身份证号码"
            maxLength={18}
            autocomplete="off"
            hint="已实名认证的账户，短信验证时还需填写本人身份证号码"
            errors={data.errors.idNumber}
          />
        )}
        {state.config.demo && <SandboxSmsNote />}
      </fieldset>
      <button type="submit" name="intent" value="save" class="btn btn-block">保存交易密码</button>
    </form>
    <p class="muted">
      <a href="/account/security">返回安全中心</a>
    </p>
  </div>
));
