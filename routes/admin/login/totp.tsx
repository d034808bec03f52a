/**
 * `/admin/login/totp` — staff log-in, step 2 (两步验证): the 6-digit code of the authenticator app, or a
 * recovery code. Needs the pending cookie of step 1 (else back to `/admin/login`); success creates the
 * staff session and goes to the `next` of step 1.
 * @module
 */
import { CsrfField, Field } from "../../../components/Field.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import { loadPendingLogin } from "../../../domain/accounts/pending_login.ts";
import { STAFF_TOTP_MESSAGES } from "../../../domain/staff/totp.ts";
import { define } from "../../../utils.ts";
import { completeStaffLoginFor, finishStaffLogin, pendingIdOf } from "./enrol.tsx";

interface TotpData {
  error: string | null;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "两步验证";
    const pending = await loadPendingLogin(ctx.state.sql, pendingIdOf(ctx), "staff");
    if (!pending || pending.step !== "totp") return ctx.redirect("/admin/login", 303);
    return page<TotpData>({ error: null });
  },
  async POST(ctx) {
    ctx.state.title = "两步验证";
    const form = await readForm(ctx.req);
    const code = String(form.get("code") ?? "").trim().slice(0, 20);
    if (code === "") return page<TotpData>({ error: STAFF_TOTP_MESSAGES.required }, { status: 422 });
    const result = await completeStaffLoginFor(ctx, code);
    if (result.ok) return finishStaffLogin(ctx, result);
    if (result.code === "expired") return ctx.redirect("/admin/login", 303);
    if (result.attemptsLeft === 0) {
      return page<TotpData>({ error: STAFF_TOTP_MESSAGES.invalid_code(0) }, { status: 401 });
    }
    return page<TotpData>({ error: STAFF_TOTP_MESSAGES.invalid_code(result.attemptsLeft) }, { status: 401 });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <section class="card auth-card admin-login">
    <h1>两步验证</h1>
    <p class="muted">
      请打开身份验证器应用，输入显示的 6 位动态验证码。手机不在身边时，可输入一个恢复码（每个仅可使用一次）。
    </p>
    {data.error && <p class="form-error" role="alert">{data.error}</p>}
    <form method="post" action="/admin/login/totp" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <Field
        name="code"
        label="动态验证码或恢复码"
        inputMode="text"
        autocomplete="one-time-code"
        required
        maxLength={20}
        placeholder="6 位数字"
      />
      <button class="btn btn-block" type="submit">验证并登录</button>
    </form>
    <p class="muted">
      <a href="/admin/login">返回重新登录</a> · 无法使用验证器和恢复码时，请联系超级管理员重置两步验证。
    </p>
  </section>
));
