/**
 * `/account/cards` — 银行卡: the user's active cards (masked `6222 **** **** 1234`, bank, default), adding a
 * card (number, reserved phone, then the login password or an SMS code again; the custody bank's
 * four-element check), making one the default, and removing one (password or SMS code again; refused while
 * a withdrawal to it is pending). 「获取验证码」 submits `intent=send_code` (works without script).
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, DefaultSubmit, Field } from "../../components/Field.tsx";
import { LoginPasswordField, ReauthMethodChoice } from "../../components/ReauthFields.tsx";
import { OwnSmsCodeField } from "../../components/OwnSmsCodeField.tsx";
import { PASSWORD_MAX_CHARS } from "../../domain/accounts/password.ts";
import { sendOwnSmsCode } from "../../domain/accounts/reauth.ts";
import {
  addBankCard,
  BANK_CARD_MESSAGES,
  type BankCardRow,
  type CardField,
  listActiveCards,
  MAX_ACTIVE_CARDS,
  type ReauthField,
  type ReauthProof,
  removeBankCard,
  setDefaultCard,
} from "../../domain/identity/bank_card.ts";
import { BANKS } from "../../domain/identity/bank_bin.ts";
import { isIdentityVerified } from "../../domain/identity/identity.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

type Method = ReauthProof["method"];

interface CardsPageData {
  cards: BankCardRow[];
  verified: boolean;
  add: { cardNumber: string; reservedPhone: string; method: Method };
  errors: Partial<Record<CardField, string[]>>;
  formError?: string;
  /** The card whose remove form is open (after an error or a sent code). */
  removeId?: string;
  removeMethod?: Method;
  removeErrors?: Partial<Record<ReauthField, string[]>>;
  notice?: string;
}

const NOTICES: Record<string, string> = {
  added: "银行卡绑定成功。",
  default: "已设为默认银行卡。",
  removed: "银行卡已解绑。",
};

async function render(state: State, partial: Partial<CardsPageData>, status = 200) {
  const userId = state.user!.id;
  const [cards, verified] = await Promise.all([
    listActiveCards(state.sql, userId),
    isIdentityVerified(state.sql, userId),
  ]);
  return page<CardsPageData>({
    cards,
    verified,
    add: { cardNumber: "", reservedPhone: "", method: "login_password" },
    errors: {},
    ...partial,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "银行卡";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) ?? undefined });
  },

  async POST(ctx) {
    ctx.state.title = "银行卡";
    const userId = ctx.state.user!.id;
    const form = await readForm(ctx.req);
    const text = formText(form, 40);
    const intent = text("intent", 20);
    const method: Method = text("method", 20) === "sms" ? "sms" : "login_password";
    const proof: ReauthProof = method === "sms"
      ? { method, smsCode: text("smsCode", 10).trim() }
      : { method, password: text("password", PASSWORD_MAX_CHARS) };
    const cardId = text("cardId", 20);
    const add = { cardNumber: text("cardNumber"), reservedPhone: text("reservedPhone", 30), method };

    if (intent === "send_code" || intent === "send_code_remove") {
      const removing = intent === "send_code_remove";
      const sent = await sendOwnSmsCode(
        ctx.state.sql,
        { userId, purpose: "reauth", ip: ctx.state.clientIp },
        {
          outbox: ctx.state.outbox,
          cipher: ctx.state.pii,
        },
      );
      const where = removing
        ? { removeId: cardId, removeMethod: "sms" as const }
        : { add: { ...add, method: "sms" as const } };
      if (sent.ok) {
        return await render(ctx.state, { ...where, notice: `验证码已发送至 ${ctx.state.user!.phoneMasked}` });
      }
      const errors = { smsCode: [sent.message] };
      return await render(
        ctx.state,
        removing ? { ...where, removeErrors: errors } : { ...where, errors },
        sent.code === "throttled" ? 429 : 422,
      );
    }
    if (intent === "add") {
      const result = await addBankCard(ctx.state.sql, { userId, ...add, proof }, {
        pii: ctx.state.pii,
        outbox: ctx.state.outbox,
        gateways: ctx.state.gateways,
      });
      if (result.ok) return ctx.redirect("/account/cards?done=added", 303);
      if (result.code === "invalid_input") {
        return await render(ctx.state, { add, errors: result.fields }, 422);
      }
      const onCard = ["card_taken", "already_bound", "unsupported_bank"].includes(result.code);
      const status = result.code === "throttled" ? 429 : result.code === "unavailable" ? 503 : 422;
      return await render(
        ctx.state,
        onCard ? { add, errors: { cardNumber: [result.message] } } : { add, formError: result.message },
        status,
      );
    }
    if (intent === "default") {
      const result = await setDefaultCard(ctx.state.sql, { userId, cardId });
      if (result.ok) return ctx.redirect("/account/cards?done=default", 303);
      return await render(ctx.state, { formError: result.message }, 404);
    }
    if (intent === "remove") {
      const result = await removeBankCard(ctx.state.sql, { userId, cardId, proof }, {
        pii: ctx.state.pii,
        outbox: ctx.state.outbox,
      });
      if (result.ok) return ctx.redirect("/account/cards?done=removed", 303);
      const removeErrors = result.code === "invalid_input"
        ? result.fields
        : { [method === "sms" ? "smsCode" : "password"]: [result.message] };
      const status = result.code === "not_found" ? 404 : result.code === "withdrawal_pending" ? 409 : 422;
      return await render(ctx.state, { removeId: cardId, removeMethod: method, removeErrors }, status);
    }
    return await render(ctx.state, { formError: "请求无效" }, 400);
  },
});

/** Choose the proof and give it: login password, or an SMS code to the account's phone. */
function ReauthFields(
  props: {
    /** Prefix of the inputs' ids (unique on the page); `null`: the standard `f-password` / `f-smsCode`. */
    idPrefix: string | null;
    method: Method;
    errors: Partial<Record<ReauthField, string[]>>;
    sendIntent: string;
    phoneMasked: string;
  },
) {
  const smsHint = `选择「短信验证码」时填写，验证码发送至 ${props.phoneMasked}`;
  const p = props.idPrefix;
  return (
    <fieldset class="stack">
      <legend>再次验证身份</legend>
      <ReauthMethodChoice method={props.method} smsLabel="短信验证码" />
      {p === null
        ? (
          <>
            <LoginPasswordField
              name="password"
              hint="选择「登录密码」时填写"
              errors={props.errors.password}
            />
            <OwnSmsCodeField
              value=""
              errors={props.errors.smsCode}
              sendIntent={props.sendIntent}
              hint={smsHint}
            />
          </>
        )
        : (
          <>
            <div class="form-field">
              <label for={`${p}-password`}>登录密码</label>
              <input
                id={`${p}-password`}
                name="password"
                type="password"
                autocomplete="current-password"
                maxLength={PASSWORD_MAX_CHARS}
                aria-invalid={props.errors.password ? "true" : undefined}
              />
              {props.errors.password && <p class="field-error" role="alert">{props.errors.password[0]}</p>}
            </div>
            <div class="form-field">
              <label for={`${p}-smsCode`}>短信验证码</label>
              <div class="input-with-button">
                <input
                  id={`${p}-smsCode`}
                  name="smsCode"
                  inputMode="numeric"
                  autocomplete="one-time-code"
                  maxLength={6}
                  placeholder="6 位数字"
                  aria-invalid={props.errors.smsCode ? "true" : undefined}
                />
                <button
                  type="submit"
                  name="intent"
                  value={props.sendIntent}
                  class="btn btn-secondary sms-code-button"
                  formNoValidate
                >
                  获取验证码
                </button>
              </div>
              <p class="hint">{smsHint}</p>
              {props.errors.smsCode && <p class="field-error" role="alert">{props.errors.smsCode[0]}</p>}
            </div>
          </>
        )}
    </fieldset>
  );
}

/** The bank cards page. */
export default define.page<typeof handler>(({ data, state }) => {
  const phoneMasked = state.user?.phoneMasked ?? "注册手机";
  return (
    <>
      <h1>银行卡</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
      <section class="card" aria-labelledby="cards-title">
        <h2 id="cards-title">我的银行卡</h2>
        {data.cards.length === 0 ? <p class="empty">尚未绑定银行卡</p> : (
          <ul class="plain-list card-list">
            {data.cards.map((c) => (
              <li key={c.id} data-card-id={c.id}>
                <p>
                  <strong>{c.bankName}</strong> <span class="mono" data-field="card">{c.masked}</span>{" "}
                  {c.isDefault && <span class="badge">默认</span>}
                </p>
                {!c.isDefault && (
                  <form method="post" action="/account/cards" class="inline-form">
                    <CsrfField token={state.csrfToken} />
                    <input type="hidden" name="cardId" value={c.id} />
                    <button type="submit" name="intent" value="default" class="btn btn-secondary">
                      设为默认
                    </button>
                  </form>
                )}
                <details open={data.removeId === c.id}>
                  <summary>解绑{c.tail}</summary>
                  {data.removeId === c.id
                    ? (
                      <form method="post" action="/account/cards" class="stack" novalidate>
                        <CsrfField token={state.csrfToken} />
                        <DefaultSubmit intent="remove" label="确认解绑" />
                        <input type="hidden" name="cardId" value={c.id} />
                        <ReauthFields
                          idPrefix={`remove-${c.id}`}
                          method={data.removeMethod ?? "login_password"}
                          errors={data.removeErrors ?? {}}
                          sendIntent="send_code_remove"
                          phoneMasked={phoneMasked}
                        />
                        <button type="submit" name="intent" value="remove" class="btn btn-secondary">
                          确认解绑
                        </button>
                      </form>
                    )
                    : (
                      <form method="post" action="/account/cards" class="stack" novalidate>
                        <CsrfField token={state.csrfToken} />
                        <DefaultSubmit intent="remove" label="确认解绑" />
                        <input type="hidden" name="cardId" value={c.id} />
                        <input type="hidden" name="method" value="login_password" />
                        <label for={`remove-pw-${c.id}`}>登录密码</label>
                        <input
                          id={`remove-pw-${c.id}`}
                          name="password"
                          type="password"
                          autocomplete="current-password"
                          maxLength={PASSWORD_MAX_CHARS}
                        />
                        <p class="hint">
                          解绑需再次验证登录密码，或{" "}
                          <button
                            type="submit"
                            name="intent"
                            value="send_code_remove"
                            class="link-button"
                            formNoValidate
                          >
                            改用短信验证码
                          </button>
                        </p>
                        <button type="submit" name="intent" value="remove" class="btn btn-secondary">
                          确认解绑
                        </button>
                      </form>
                    )}
                </details>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card" aria-labelledby="add-title">
        <h2 id="add-title">添加银行卡</h2>
        {!data.verified
          ? (
            <p>
              {BANK_CARD_MESSAGES.not_verified}。<a href="/account/identity">去实名认证</a>
            </p>
          )
          : data.cards.length >= MAX_ACTIVE_CARDS
          ? <p class="muted">{BANK_CARD_MESSAGES.too_many_cards}</p>
          : (
            <form method="post" action="/account/cards" class="stack" novalidate>
              <CsrfField token={state.csrfToken} />
              <DefaultSubmit intent="add" label="绑定" />
              <p class="muted">仅支持本人名下的借记卡（持卡人须为实名认证的本人）。</p>
              <Field
                name="cardNumber"
                label="银行卡号"
                inputMode="numeric"
                autocomplete="cc-number"
                maxLength={23}
                placeholder="16–19 位借记卡号"
                required
                value={data.add.cardNumber}
                errors={data.errors.cardNumber}
              />
              <Field
                name="reservedPhone"
                label="银行预留手机号"
                type="tel"
                inputMode="tel"
                autocomplete="tel-national"
                maxLength={20}
                placeholder="办卡时在银行预留的手机号"
                required
                value={data.add.reservedPhone}
                errors={data.errors.reservedPhone}
              />
              <ReauthFields
                idPrefix={null}
                method={data.add.method}
                errors={data.errors}
                sendIntent="send_code"
                phoneMasked={phoneMasked}
              />
              <button type="submit" name="intent" value="add" class="btn btn-block">绑定银行卡</button>
              <details>
                <summary>支持的银行</summary>
                <p class="muted">{BANKS.map((b) => b.name).join("、")}</p>
              </details>
            </form>
          )}
      </section>
    </>
  );
});
