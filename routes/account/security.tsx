/**
 * `/account/security` — 安全中心: every security item (phone, e-mail, login password, trade password, real
 * name, cards, video, questionnaire) with its state and the next action; and the 投标授权 (bid
 * authorisation) of this session: open it with the trade password (amount cap, 5–30 minutes) or close it.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit, Field } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { TradePasswordField } from "../../components/TradePasswordField.tsx";
import { securityItems } from "../../domain/accounts/security_centre.ts";
import {
  BID_AUTH_DEFAULT_MINUTES,
  BID_AUTH_MESSAGES,
  BID_AUTH_MINUTES_CHOICES,
  closeBidAuthorisation,
  currentBidAuthorisation,
  openBidAuthorisation,
} from "../../domain/accounts/bid_authorisation.ts";
import { tradePasswordErrorMessage } from "../../domain/accounts/trade_password.ts";
import { formatFen, parseYuanToFen } from "../../domain/money/format.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

interface BidAuthForm {
  cap: string;
  minutes: string;
}

async function render(
  state: State,
  extra: { form?: BidAuthForm; errors?: Record<string, string[]>; notice?: string },
  status = 200,
) {
  const user = state.user!;
  const [items, authorisation] = await Promise.all([
    securityItems(state.sql, state.pii, user.id),
    currentBidAuthorisation(state.sql, { userId: user.id, sessionId: state.sessionId }),
  ]);
  return page({
    items,
    authorisation,
    form: extra.form ?? { cap: "10000", minutes: String(BID_AUTH_DEFAULT_MINUTES) },
    errors: extra.errors ?? {},
    notice: extra.notice ?? null,
  }, { status });
}

const NOTICES: Record<string, string> = {
  opened: "投标授权已开启。",
  closed: "投标授权已关闭。",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "安全中心";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) ?? undefined });
  },
  async POST(ctx) {
    ctx.state.title = "安全中心";
    const user = ctx.state.user!;
    const form = await readForm(ctx.req);
    const text = formText(form, 40);
    if (text("intent") === "close_bid_auth") {
      await closeBidAuthorisation(ctx.state.sql, { userId: user.id, sessionId: ctx.state.sessionId });
      return ctx.redirect("/account/security?done=closed", 303);
    }
    const values = { cap: text("cap"), minutes: text("minutes") };
    const errors: Record<string, string[]> = {};
    const capFen = parseYuanToFen(values.cap);
    const minutes = Number(values.minutes);
    if (capFen === null || capFen <= 0n) errors.cap = ["请输入正确的金额（最多两位小数）"];
    if (!BID_AUTH_MINUTES_CHOICES.includes(minutes)) errors.minutes = [BID_AUTH_MESSAGES.invalid_minutes];
    const tradePassword = text("tradePassword", 20);
    if (!/^\d{6}$/.test(tradePassword)) errors.tradePassword = ["请输入 6 位数字交易密码"];
    if (Object.keys(errors).length > 0) return await render(ctx.state, { form: values, errors }, 422);
    const result = await openBidAuthorisation(ctx.state.sql, {
      userId: user.id,
      sessionId: ctx.state.sessionId,
      tradePassword,
      capFen: capFen!,
      minutes,
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect("/account/security?done=opened", 303);
    switch (result.code) {
      case "invalid_cap":
        return await render(
          ctx.state,
          { form: values, errors: { cap: [BID_AUTH_MESSAGES.invalid_cap] } },
          422,
        );
      case "invalid_minutes":
      case "no_session":
        return await render(ctx.state, {
          form: values,
          errors: { minutes: [BID_AUTH_MESSAGES[result.code]] },
        }, 422);
      default:
        return await render(ctx.state, {
          form: values,
          errors: { tradePassword: [tradePasswordErrorMessage(result)] },
        }, result.code === "locked" ? 429 : 422);
    }
  },
});

/** The security centre. */
export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>安全中心</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <section class="card" aria-labelledby="items-title">
      <h2 id="items-title">账户安全</h2>
      <div class="table-wrap">
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">项目</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((item) => (
              <tr data-item={item.key}>
                <th scope="row">{item.label}</th>
                <td>
                  <span class={item.done ? "badge" : "badge badge-warn"}>{item.done ? "✓" : "!"}</span>{" "}
                  {item.state}
                </td>
                <td>
                  <a href={item.action.href}>{item.action.label}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" aria-labelledby="bid-auth-title">
      <h2 id="bid-auth-title">投标授权</h2>
      <p class="muted">
        开启后，在授权时长和额度内，本次登录的投标无需再次输入交易密码；充值、提现、银行卡和安全设置仍需每次验证。
        退出登录或修改交易密码后授权失效。
      </p>
      {data.authorisation
        ? (
          <form method="post" action="/account/security" class="stack">
            <CsrfField token={state.csrfToken} />
            <dl class="kv-list" data-bid-auth="open">
              <dt>授权额度</dt>
              <dd>{formatFen(data.authorisation.capFen)}</dd>
              <dt>剩余额度</dt>
              <dd>{formatFen(data.authorisation.remainingFen)}</dd>
              <dt>有效至</dt>
              <dd>
                <LocalTime at={data.authorisation.expiresAt} withTime />
              </dd>
            </dl>
            <button type="submit" name="intent" value="close_bid_auth" class="btn btn-secondary">
              关闭投标授权
            </button>
          </form>
        )
        : (
          <form method="post" action="/account/security" class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <DefaultSubmit intent="open_bid_auth" label="开启投标授权" />
            <Field
              name="cap"
              label="授权额度（元）"
              inputMode="decimal"
              maxLength={20}
              value={data.form.cap}
              hint="100 元至 100 万元"
              errors={data.errors.cap}
            />
            <div class="form-field">
              <label for="f-minutes">授权时长</label>
              <select id="f-minutes" name="minutes">
                {BID_AUTH_MINUTES_CHOICES.map((m) => (
                  <option value={String(m)} selected={String(m) === data.form.minutes}>{m} 分钟</option>
                ))}
              </select>
              {data.errors.minutes && <p class="field-error" role="alert">{data.errors.minutes[0]}</p>}
            </div>
            <TradePasswordField errors={data.errors.tradePassword} />
            <button type="submit" name="intent" value="open_bid_auth" class="btn">开启投标授权</button>
          </form>
        )}
    </section>
  </>
));
