/**
 * `/admin/security` — 我的两步验证 (any signed-in staff member): whether the second factor is on, how many
 * recovery codes are left, and 重新生成恢复码 with a current TOTP code (the new codes are shown once).
 * @module
 */
import { CsrfField, Field } from "../../components/Field.tsx";
import { page, readForm } from "../../framework/mod.ts";
import { regenerateRecoveryCodes, type StaffTotpState, staffTotpStates } from "../../domain/staff/totp.ts";
import { define, type State } from "../../utils.ts";

interface SecurityData {
  totp: StaffTotpState | null;
  error: string | null;
  codes: string[] | null;
}

async function render(state: State, extra: Partial<SecurityData>, status = 200) {
  const totp = (await staffTotpStates(state.sql)).get(state.staff!.id) ?? null;
  return page<SecurityData>({ totp, error: extra.error ?? null, codes: extra.codes ?? null }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "我的两步验证";
    return await render(ctx.state, {});
  },
  async POST(ctx) {
    ctx.state.title = "我的两步验证";
    const form = await readForm(ctx.req);
    const code = String(form.get("code") ?? "").trim().slice(0, 10);
    if (!/^\d{6}$/.test(code)) return await render(ctx.state, { error: "请输入验证器显示的 6 位数字" }, 422);
    const result = await regenerateRecoveryCodes(ctx.state.sql, {
      staffId: ctx.state.staff!.id,
      code,
      ip: ctx.state.clientIp,
    }, { cipher: ctx.state.pii });
    if (result.ok) return await render(ctx.state, { codes: result.recoveryCodes });
    const error = result.code === "not_enrolled"
      ? "尚未开启两步验证"
      : "验证码错误或已使用，请等待下一个验证码";
    return await render(ctx.state, { error }, 422);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>我的两步验证</h1>
    <section class="card" aria-labelledby="totp-state">
      <h2 id="totp-state">状态</h2>
      <p data-totp-state>
        {data.totp?.enabled
          ? `已开启，剩余恢复码 ${data.totp.recoveryCodesLeft} 个`
          : "未开启（下次登录时绑定）"}
      </p>
      {data.codes && (
        <>
          <p class="form-ok" role="status">
            已生成新的恢复码，旧恢复码全部失效。请妥善保存，离开本页后将不再显示：
          </p>
          <ul class="chip-list mono" data-recovery-codes>
            {data.codes.map((c) => <li key={c}>{c}</li>)}
          </ul>
        </>
      )}
      {data.error && <p class="form-error" role="alert">{data.error}</p>}
      {data.totp?.enabled && (
        <form method="post" action="/admin/security" class="stack" novalidate>
          <CsrfField token={state.csrfToken} />
          <Field
            name="code"
            label="当前动态验证码"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={6}
            placeholder="6 位数字"
            required
          />
          <button class="btn" type="submit">重新生成恢复码</button>
        </form>
      )}
      <p class="muted">丢失验证器且没有恢复码时，请联系超级管理员在「员工管理」中重置两步验证。</p>
    </section>
  </>
));
