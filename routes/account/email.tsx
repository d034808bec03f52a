/**
 * `/account/email` — 绑定邮箱: bind (or change to) an address — a single-use link valid 24 hours goes to
 * it, and opening the link binds it — or unbind the current one. Both ask for the login password again.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, Field } from "../../components/Field.tsx";
import { LoginPasswordField } from "../../components/ReauthFields.tsx";
import { PASSWORD_MAX_CHARS } from "../../domain/accounts/password.ts";
import {
  boundEmail,
  EMAIL_MESSAGES,
  maskEmail,
  requestEmailBinding,
  unbindEmail,
} from "../../domain/accounts/email.ts";
import { define, doneNotice, formText, publicUrl, type State } from "../../utils.ts";

interface EmailPageData {
  bound: string | null;
  email: string;
  errors: Record<string, string[]>;
  unbindErrors: Record<string, string[]>;
  notice?: string;
}

const NOTICES: Record<string, string> = {
  sent: "确认邮件已发送，请在 24 小时内打开邮件中的链接完成绑定。",
  unbound: "邮箱已解绑。",
};

async function render(state: State, extra: Partial<EmailPageData>, status = 200) {
  const bound = await boundEmail(state.sql, state.pii, state.user!.id);
  return page<EmailPageData>({
    bound: bound ? maskEmail(bound.email) : null,
    email: extra.email ?? "",
    errors: extra.errors ?? {},
    unbindErrors: extra.unbindErrors ?? {},
    notice: extra.notice,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "绑定邮箱";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) ?? undefined });
  },
  async POST(ctx) {
    ctx.state.title = "绑定邮箱";
    const user = ctx.state.user!;
    const form = await readForm(ctx.req);
    const text = formText(form);
    const loginPassword = text("loginPassword", PASSWORD_MAX_CHARS);
    if (text("intent", 20) === "unbind") {
      const r = await unbindEmail(ctx.state.sql, { userId: user.id, loginPassword }, {
        outbox: ctx.state.outbox,
      });
      if (r.ok) return ctx.redirect("/account/email?done=unbound", 303);
      const unbindErrors = r.code === "not_bound" ? { loginPassword: [EMAIL_MESSAGES.not_bound] } : r.fields;
      return await render(ctx.state, { unbindErrors }, 422);
    }
    const email = text("email", 300);
    const r = await requestEmailBinding(ctx.state.sql, { userId: user.id, email, loginPassword }, {
      cipher: ctx.state.pii,
      outbox: ctx.state.outbox,
      linkFor: (token) => publicUrl(ctx.state.config, `/email/confirm?token=${token}`),
    });
    if (r.ok) return ctx.redirect("/account/email?done=sent", 303);
    return await render(ctx.state, { email, errors: r.fields }, 422);
  },
});

/** The e-mail page. */
export default define.page<typeof handler>(({ data, state }) => (
  <div class="card auth-card">
    <h1>绑定邮箱</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <p data-email-state>
      {data.bound ? `已绑定邮箱：${data.bound}` : "尚未绑定邮箱。绑定后可通过邮件接收重要通知。"}
    </p>
    <form method="post" action="/account/email" class="stack" novalidate>
      <CsrfField token={state.csrfToken} />
      <input type="hidden" name="intent" value="bind" />
      <Field
        name="email"
        label={data.bound ? "新邮箱地址" : "邮箱地址"}
        type="email"
        inputMode="email"
        autocomplete="email"
        maxLength={254}
        value={data.email}
        errors={data.errors.email}
      />
      <LoginPasswordField errors={data.errors.loginPassword} />
      {state.config.demo && (
        <p class="risk-note" role="note">
          演示环境不会真实发送邮件：确认链接可在<a href="/dev/sandbox">沙箱消息页</a>查看。
        </p>
      )}
      <button type="submit" class="btn btn-block">
        {data.bound ? "发送确认邮件（更换）" : "发送确认邮件"}
      </button>
    </form>
    {data.bound && (
      <form method="post" action="/account/email" class="stack" novalidate>
        <h2>解绑邮箱</h2>
        <CsrfField token={state.csrfToken} />
        <input type="hidden" name="intent" value="unbind" />
        <LoginPasswordField errors={data.unbindErrors.loginPassword} />
        <button type="submit" class="btn btn-secondary">解绑邮箱</button>
      </form>
    )}
    <p class="muted">
      <a href="/account/security">返回安全中心</a>
    </p>
  </div>
));
