/**
 * `/admin/login/enrol` — staff log-in, step 2 for a member without a second factor (开启两步验证): the page
 * shows a QR code (SVG, rendered here), the secret for manual entry and 10 recovery codes; the first right
 * 6-digit code turns TOTP on, creates the staff session and goes to the `next` of step 1. Reloading the
 * page keeps the secret and makes new recovery codes (the ones shown last count).
 * @module
 */
import { CsrfField, Field } from "../../../components/Field.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import { clearSessionCookie, sessionCookie } from "../../../domain/accounts/session.ts";
import {
  completeStaffLogin,
  type CompleteStaffLoginResult,
  prepareTotpEnrolment,
  STAFF_TOTP_MESSAGES,
  type TotpEnrolment,
} from "../../../domain/staff/totp.ts";
import { define, pendingCookieFor, sessionCookieFor, type State } from "../../../utils.ts";
import { safeAdminNext } from "../login.tsx";

type Ctx = { state: State; url: URL; req: Request; redirect(path: string, status?: number): Response };

/** The pending staff log-in id the browser carries. */
export function pendingIdOf(ctx: Ctx): string | null {
  return pendingCookieFor(ctx, "staff").pendingId;
}

/** The second step with `code` (authenticator or recovery code) for the browser's pending staff log-in. */
export async function completeStaffLoginFor(ctx: Ctx, code: string): Promise<CompleteStaffLoginResult> {
  return await completeStaffLogin(ctx.state.sql, {
    pendingId: pendingIdOf(ctx),
    code,
    ip: ctx.state.clientIp,
    userAgent: ctx.req.headers.get("user-agent"),
    previousSessionId: sessionCookieFor(ctx, "staff").sessionId,
  }, { cipher: ctx.state.pii, securityLog: ctx.state.securityLog });
}

/** After the second step: set the staff session cookie, drop the pending cookie, go to `next`. */
export function finishStaffLogin(
  ctx: Ctx,
  result: Extract<CompleteStaffLoginResult, { ok: true }>,
): Response {
  const session = sessionCookieFor(ctx, "staff");
  const pending = pendingCookieFor(ctx, "staff");
  const res = ctx.redirect(safeAdminNext(result.nextPath), 303);
  res.headers.append("set-cookie", sessionCookie(session.name, result.sessionId, { secure: session.secure }));
  res.headers.append("set-cookie", clearSessionCookie(pending.name, { secure: pending.secure }));
  return res;
}

interface EnrolData {
  enrolment: TotpEnrolment;
  error: string | null;
}

async function render(ctx: Ctx, error: string | null, status = 200) {
  const enrolment = await prepareTotpEnrolment(ctx.state.sql, { pendingId: pendingIdOf(ctx) }, {
    cipher: ctx.state.pii,
  });
  if (!enrolment) return ctx.redirect("/admin/login", 303);
  return page<EnrolData>({ enrolment, error }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "开启两步验证";
    return await render(ctx, null);
  },
  async POST(ctx) {
    ctx.state.title = "开启两步验证";
    const form = await readForm(ctx.req);
    const code = String(form.get("code") ?? "").trim().slice(0, 20);
    if (!/^\d{6}$/.test(code)) return await render(ctx, "请输入验证器显示的 6 位数字", 422);
    const result = await completeStaffLoginFor(ctx, code);
    if (result.ok) return finishStaffLogin(ctx, result);
    if (result.code === "expired" || result.attemptsLeft === 0) return ctx.redirect("/admin/login", 303);
    return await render(ctx, STAFF_TOTP_MESSAGES.invalid_code(result.attemptsLeft), 401);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <section class="card auth-card admin-login">
    <h1>开启两步验证</h1>
    <p class="muted">
      后台登录须使用两步验证。请用身份验证器应用（如 Google Authenticator、Microsoft
      Authenticator）扫描二维码， 然后输入应用显示的 6 位验证码。
    </p>
    {data.error && <p class="form-error" role="alert">{data.error}</p>}
    <figure class="totp-qr">
      {/* SVG markup made on the server by the qrcode library from our own otpauth URI (no script) */}
      <div dangerouslySetInnerHTML={{ __html: data.enrolment.qrSvg }} />
      <figcaption>
        无法扫码时手动输入密钥：<code class="mono break-all" data-totp-secret={data.enrolment.secret}>
          {data.enrolment.secret}
        </code>（账户 {data.enrolment.username}）
      </figcaption>
    </figure>
    <h2>恢复码</h2>
    <p class="muted">
      请妥善保存以下 10
      个恢复码（例如打印后锁好）。手机丢失时，每个恢复码可代替动态验证码登录一次。离开本页后将不再显示。
    </p>
    <ul class="chip-list mono" data-recovery-codes>
      {data.enrolment.recoveryCodes.map((c) => <li key={c}>{c}</li>)}
    </ul>
    <form method="post" action="/admin/login/enrol" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <Field
        name="code"
        label="6 位验证码"
        inputMode="numeric"
        autocomplete="one-time-code"
        required
        maxLength={6}
        placeholder="6 位数字"
      />
      <button class="btn btn-block" type="submit">开启并登录</button>
    </form>
    <p class="muted">
      <a href="/admin/login">返回重新登录</a>
    </p>
  </section>
));
