/**
 * `/account/withdraw` — 提现: step 1 card and amount (`intent=preview`) → step 2 the preview of fee and
 * what arrives, with the trade password (`intent=confirm`) → `/account/withdrawals?submitted=<id>`.
 * The form carries an idempotency key made when it is first shown and kept through both steps and every
 * re-render, so a double click or a resubmitted form moves money once.
 */
import { page, readForm } from "../../framework/mod.ts";
import {
  type WithdrawCard,
  WithdrawConfirm,
  WithdrawForm,
  type WithdrawValues,
} from "../../components/payments/WithdrawForm.tsx";
import {
  checkTradePassword,
  TRADE_PASSWORD_MESSAGES,
  tradePasswordErrorMessage,
} from "../../domain/accounts/trade_password.ts";
import { listActiveCards } from "../../domain/identity/bank_card.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { currentFee, describeFeeRule } from "../../domain/payments/fees.ts";
import {
  findWithdrawalByKey,
  getWithdrawalSettings,
  parseWithdrawalForm,
  previewWithdrawal,
  requestWithdrawal,
  requiredApprovals,
  WITHDRAWAL_ERROR_FIELD,
  withdrawalErrorMessage,
} from "../../domain/payments/withdrawal.ts";
import { define, formText, type State } from "../../utils.ts";

type Step =
  | { step: "form" }
  | { step: "confirm"; cardLabel: string; amountFen: Fen; feeFen: Fen; netFen: Fen; needsReview: boolean };

interface WithdrawPageData {
  view: Step;
  values: WithdrawValues;
  errors: Record<string, string[]>;
  cards: WithdrawCard[];
  availableFen: Fen;
  feeText: string;
  limitsText: string;
}

async function cardsOf(state: State, userId: string): Promise<WithdrawCard[]> {
  const cards = await listActiveCards(state.sql, userId);
  return cards.map((c) => ({
    id: String(c.id),
    label: `${c.bankName} ${c.masked}${c.isDefault ? "（默认）" : ""}`,
  }));
}

async function render(
  state: State,
  partial: { view?: Step; values?: WithdrawValues; errors?: Record<string, string[]> },
  status = 200,
) {
  const userId = state.user!.id;
  const [cards, balances, fee, settings] = await Promise.all([
    cardsOf(state, userId),
    userBalances(state.sql, userId),
    currentFee(state.sql, "withdrawal"),
    getWithdrawalSettings(state.sql),
  ]);
  const defaultCard = cards.find((c) => c.label.endsWith("（默认）")) ?? cards[0];
  return page<WithdrawPageData>({
    view: partial.view ?? { step: "form" },
    values: partial.values ??
      { cardId: defaultCard?.id ?? "", amountYuan: "", idempotencyKey: crypto.randomUUID() },
    errors: partial.errors ?? {},
    cards,
    availableFen: balances.availableFen,
    feeText: fee ? describeFeeRule(fee.rule) : "免费",
    limitsText: `单笔最低 ${formatFen(settings.minAmountFen)}，每日最多 ${settings.dailyCountLimit} 笔、` +
      `合计 ${formatFen(settings.dailyAmountLimitFen)}。`,
  }, { status });
}

function valuesOf(form: FormData): WithdrawValues {
  const text = formText(form);
  return {
    cardId: text("cardId", 20),
    amountYuan: text("amountYuan", 30),
    idempotencyKey: text("idempotencyKey", 100),
  };
}

/** The preview of step 2, or field errors for step 1. */
async function preview(state: State, values: WithdrawValues) {
  const parsed = parseWithdrawalForm(values);
  if (!parsed.ok) return { ok: false as const, errors: parsed.fields };
  const userId = state.user!.id;
  const [cards, balances, settings, p] = await Promise.all([
    cardsOf(state, userId),
    userBalances(state.sql, userId),
    getWithdrawalSettings(state.sql),
    previewWithdrawal(state.sql, parsed.amountFen),
  ]);
  const card = cards.find((c) => c.id === values.cardId);
  if (!card) return { ok: false as const, errors: { cardId: ["请选择一张已绑定的银行卡"] } };
  const amountFen = parsed.amountFen;
  if (amountFen < settings.minAmountFen) {
    return {
      ok: false as const,
      errors: { amountYuan: [`单笔最低提现 ${formatFen(settings.minAmountFen)}`] },
    };
  }
  if (amountFen > balances.availableFen) {
    return {
      ok: false as const,
      errors: { amountYuan: [`可用余额不足（可用 ${formatFen(balances.availableFen)}）`] },
    };
  }
  if (p.feeFen >= amountFen) {
    return { ok: false as const, errors: { amountYuan: [`提现金额须大于手续费 ${formatFen(p.feeFen)}`] } };
  }
  const view: Step = {
    step: "confirm",
    cardLabel: card.label,
    amountFen,
    feeFen: p.feeFen,
    netFen: p.netFen,
    needsReview: requiredApprovals(amountFen, settings) > 0,
  };
  return { ok: true as const, view };
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "提现";
    return await render(ctx.state, {});
  },
  async POST(ctx) {
    ctx.state.title = "提现";
    const form = await readForm(ctx.req);
    const values = valuesOf(form);
    const userId = ctx.state.user!.id;
    // a resubmitted or double-clicked form: show the first result
    const earlier = await findWithdrawalByKey(ctx.state.sql, userId, values.idempotencyKey);
    if (earlier) return ctx.redirect(`/account/withdrawals?submitted=${earlier}`, 303);
    if (form.get("intent") === "edit") return await render(ctx.state, { values });
    const p = await preview(ctx.state, values);
    if (!p.ok) return await render(ctx.state, { values, errors: p.errors }, 422);
    if (form.get("intent") !== "confirm") return await render(ctx.state, { values, view: p.view });

    const password = String(form.get("tradePassword") ?? "").slice(0, 20);
    if (password === "") {
      return await render(ctx.state, {
        values,
        view: p.view,
        errors: { tradePassword: [TRADE_PASSWORD_MESSAGES.required] },
      }, 422);
    }
    const check = await checkTradePassword(ctx.state.sql, { userId, password, ip: ctx.state.clientIp });
    if (!check.ok) {
      return await render(ctx.state, {
        values,
        view: p.view,
        errors: { tradePassword: [tradePasswordErrorMessage(check)] },
      }, 422);
    }
    const result = await requestWithdrawal(ctx.state.sql, {
      userId,
      cardId: values.cardId,
      amountYuan: values.amountYuan,
      idempotencyKey: values.idempotencyKey,
      tradePasswordVerified: true,
      ip: ctx.state.clientIp,
    }, { outbox: ctx.state.outbox });
    if (result.ok) return ctx.redirect(`/account/withdrawals?submitted=${result.withdrawalId}`, 303);
    const field = result.code === "invalid_input" ? "form" : WITHDRAWAL_ERROR_FIELD[result.code] ?? "form";
    const errors = result.code === "invalid_input"
      ? result.fields
      : { [field]: [withdrawalErrorMessage(result)] };
    return await render(ctx.state, { values, errors }, 422);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>提现</h1>
    {data.cards.length === 0 && (
      <p class="form-error" role="alert">
        您还没有绑定银行卡，<a href="/account/cards">去绑定</a>
      </p>
    )}
    <section class="card">
      {data.view.step === "form"
        ? (
          <WithdrawForm
            csrfToken={state.csrfToken}
            values={data.values}
            errors={data.errors}
            cards={data.cards}
            availableFen={data.availableFen}
            feeText={data.feeText}
            limitsText={data.limitsText}
          />
        )
        : (
          <WithdrawConfirm
            csrfToken={state.csrfToken}
            values={data.values}
            errors={data.errors}
            cardLabel={data.view.cardLabel}
            amountFen={data.view.amountFen}
            feeFen={data.view.feeFen}
            netFen={data.view.netFen}
            needsReview={data.view.needsReview}
          />
        )}
    </section>
    <p class="muted">
      提现由银行存管处理，预计 T+1 到账。收费详见<a href="/fees">
        收费标准
      </a>，提现进度见<a href="/account/withdrawals">提现记录</a>。
    </p>
  </>
));
