/**
 * `/register` — 注册. GET shows the form (`?invite=` fills the invite code). POST either sends the SMS code
 * (`intent=send_code`, the no-script path of 「获取验证码」) or registers: on success the user is logged in
 * at once (new session, cookie), welcomed through the message centre and sent to `/account?welcome=1`.
 * @module
 */
import { page, readForm } from "../framework/mod.ts";
import { emptyRegisterDraft, type RegisterDraft, RegisterForm } from "../components/RegisterForm.tsx";
import { sendRegisterSmsCode } from "../domain/accounts/register_sms_code.ts";
import { rotateSession, sessionCookie, sessionCookieName } from "../domain/accounts/session.ts";
import {
  type FieldErrors,
  REGISTER_MESSAGES,
  type RegisterField,
  registerUser,
} from "../domain/accounts/user.ts";
import { sandboxSms } from "../integrations/sms.ts";
import { notify } from "../jobs/notifications.ts";
import { clientIp, define, getCookie, secureCookies } from "../utils.ts";

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
    const ip = clientIp(ctx.info);

    if (form.intent === "send_code") {
      const sent = await sendRegisterSmsCode(ctx.state.sql, { rawPhone: draft.phone, ip }, {
        sms: sandboxSms,
        cipher: ctx.state.pii,
      });
      if (sent.ok) return page<RegisterPageData>({ draft, errors: {}, codeSent: sent });
      const status = sent.code === "throttled" ? 429 : sent.code === "send_failed" ? 503 : 422;
      return page<RegisterPageData>({
        draft,
        errors: { phone: [sent.message] },
        retryAfterSeconds: sent.code === "throttled" ? sent.retryAfterSeconds : 0,
      }, { status });
    }

    const result = await registerUser(ctx.state.sql, { ...form, ip }, { cipher: ctx.state.pii });
    if (!result.ok) {
      const errors: FieldErrors<RegisterField> = result.code === "invalid_input"
        ? result.fields
        : result.code === "phone_taken"
        ? { phone: [REGISTER_MESSAGES.phone_taken] }
        : { smsCode: [REGISTER_MESSAGES[result.code]] };
      return page<RegisterPageData>({ draft, errors }, { status: result.code === "phone_taken" ? 409 : 422 });
    }

    const secure = secureCookies(ctx.state, ctx.url);
    const cookieName = sessionCookieName("user", secure);
    const session = await rotateSession(
      ctx.state.sql,
      ctx.state.sessionId ?? getCookie(ctx.req, cookieName),
      {
        subjectType: "user",
        subjectId: result.userId,
        ip,
        userAgent: ctx.req.headers.get("user-agent"),
      },
    );
    try {
      await notify(ctx.state.kv, { userId: result.userId, kind: "welcome" });
    } catch (e) {
      // the account exists and the user is logged in; a lost welcome message must not undo that
      console.error(JSON.stringify({ level: "error", msg: "welcome_notify_failed", error: String(e) }));
    }
    const res = ctx.redirect("/account?welcome=1", 303);
    res.headers.append("set-cookie", sessionCookie(cookieName, session.sessionId, { secure }));
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
