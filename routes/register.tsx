/**
 * `/register` — 注册. GET shows the form (`?invite=` fills the invite code). POST either sends the SMS code
 * (`intent=send_code`, the no-script path of 「获取验证码」; 「验证码已发送」 for any valid phone, registered
 * or not) or registers: on success the user is logged in at once (the command's new session, cookie),
 * welcomed through the message centre (the outbox) and sent to `/account?welcome=1`. Attempts are limited
 * per IP and per phone (429), and nothing about the phone, the invite code or the password is judged before
 * the SMS code is proven.
 * @module
 */
import { page, readForm } from "../framework/mod.ts";
import { emptyRegisterDraft, type RegisterDraft, RegisterForm } from "../components/RegisterForm.tsx";
import { sendRegisterSmsCode } from "../domain/accounts/register_sms_code.ts";
import {
  type FieldErrors,
  REGISTER_MESSAGES,
  type RegisterField,
  registerUser,
} from "../domain/accounts/user.ts";
import { define, deviceIdFor, redirectSignedIn, sessionCookieFor } from "../utils.ts";

interface RegisterPageData {
  draft: RegisterDraft;
  errors: FieldErrors<RegisterField>;
  codeSent?: { resendAfterSeconds: number } | null;
  retryAfterSeconds?: number;
}

function inviteFromQuery(url: URL): string {
  const v = (url.searchParams.get("invite") ?? "").trim().toUpperCase();
  return /^[A-Z0-9]{4,16}$/.test(v) ? v : "";
}

/** The submitted form as strings (files are ignored). */
async function formStrings(req: Request): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of await readForm(req)) if (typeof v === "string" && !(k in out)) out[k] = v;
  return out;
}

export const handler = define.handlers({
  GET(ctx) {
    if (ctx.state.user) return ctx.redirect("/account", 303);
    ctx.state.title = "注册";
    return page<RegisterPageData>({ draft: emptyRegisterDraft(inviteFromQuery(ctx.url)), errors: {} });
  },

  async POST(ctx) {
    ctx.state.title = "注册";
    const form = await formStrings(ctx.req);
    const draft: RegisterDraft = {
      kind: form.kind ?? "",
      phone: (form.phone ?? "").slice(0, 30),
      smsCode: (form.smsCode ?? "").slice(0, 10),
      inviteCode: (form.inviteCode ?? "").slice(0, 20),
      acceptAgreements: form.acceptAgreements === "on",
    };
    const ip = ctx.state.clientIp;

    if (form.intent === "send_code") {
      const sent = await sendRegisterSmsCode(ctx.state.sql, { rawPhone: draft.phone, ip }, {
        outbox: ctx.state.outbox,
        cipher: ctx.state.pii,
        securityLog: ctx.state.securityLog,
      });
      if (sent.ok) return page<RegisterPageData>({ draft, errors: {}, codeSent: sent });
      const status = sent.code === "throttled" ? 429 : 422;
      return page<RegisterPageData>({
        draft,
        errors: { phone: [sent.message] },
        retryAfterSeconds: sent.code === "throttled" ? sent.retryAfterSeconds : 0,
      }, { status });
    }

    const cookie = sessionCookieFor(ctx, "user");
    const device = deviceIdFor(ctx);
    const result = await registerUser(ctx.state.sql, {
      ...form,
      ip,
      userAgent: ctx.req.headers.get("user-agent"),
      previousSessionId: cookie.sessionId,
      deviceId: device.deviceId,
    }, { cipher: ctx.state.pii, outbox: ctx.state.outbox, securityLog: ctx.state.securityLog });
    if (!result.ok) {
      switch (result.code) {
        case "invalid_input":
          return page<RegisterPageData>({ draft, errors: result.fields }, { status: 422 });
        case "throttled":
          return page<RegisterPageData>({
            draft,
            errors: { smsCode: [REGISTER_MESSAGES.throttled(result.retryAfterSeconds)] },
          }, { status: 429, headers: { "retry-after": String(result.retryAfterSeconds) } });
        case "phone_taken": // said only to whoever proved the SMS code
          return page<RegisterPageData>({ draft, errors: { phone: [REGISTER_MESSAGES.phone_taken] } }, {
            status: 409,
          });
        default:
          return page<RegisterPageData>({ draft, errors: { smsCode: [REGISTER_MESSAGES[result.code]] } }, {
            status: 422,
          });
      }
    }

    const res = redirectSignedIn(ctx, "/account?welcome=1", cookie, result.session.sessionId);
    // the device used to register becomes known (no SMS confirmation at its next log-in)
    if (device.setCookie) res.headers.append("set-cookie", device.setCookie);
    return res;
  },
});
/** The register page: heading, the form, the risk line. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>注册账户</h1>
    <p class="muted">用手机号注册，出借人和借款人使用同一入口。</p>
    <RegisterForm
      draft={data.draft}
      errors={data.errors}
      csrfToken={state.csrfToken}
      demo={state.config.demo}
      codeSent={data.codeSent}
      retryAfterSeconds={data.retryAfterSeconds}
    />
  </div>
));
