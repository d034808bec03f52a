import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { CsrfField, Field, SelectField } from "../Field.tsx";
import { TradePasswordField } from "../TradePasswordField.tsx";

/** A bound card as the form lists it. */
export interface WithdrawCard {
  id: string;
  label: string;
}

/** What the withdrawal form holds (kept on re-render after an error). */
export interface WithdrawValues {
  cardId: string;
  amountYuan: string;
  idempotencyKey: string;
}

/** Step 1: card and amount (`intent=preview`). */
export function WithdrawForm(props: {
  csrfToken: string;
  values: WithdrawValues;
  errors: Record<string, string[]>;
  cards: WithdrawCard[];
  availableFen: Fen;
  feeText: string;
  limitsText: string;
}) {
  const { values, errors } = props;
  return (
    <form method="post" action="/account/withdraw" class="stack" novalidate>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="idempotencyKey" value={values.idempotencyKey} />
      <input type="hidden" name="intent" value="preview" />
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <p>
        可用余额 <strong data-testid="available">{formatFen(props.availableFen)}</strong>
      </p>
      <SelectField
        name="cardId"
        label="到账银行卡"
        value={values.cardId}
        emptyLabel="请选择银行卡"
        required
        errors={errors.cardId}
        options={props.cards.map((c) => [c.id, c.label] as const)}
      />
      <Field
        name="amountYuan"
        label="提现金额（元）"
        inputMode="decimal"
        value={values.amountYuan}
        maxLength={20}
        required
        placeholder="如 1000.00"
        hint={`手续费：${props.feeText}。${props.limitsText}`}
        errors={errors.amountYuan}
      />
      <button type="submit" class="btn btn-block">下一步</button>
    </form>
  );
}

/** Step 2: the preview (amount, fee, what arrives) and the trade password (`intent=confirm`). */
export function WithdrawConfirm(props: {
  csrfToken: string;
  values: WithdrawValues;
  errors: Record<string, string[]>;
  cardLabel: string;
  amountFen: Fen;
  feeFen: Fen;
  netFen: Fen;
  needsReview: boolean;
}) {
  const { values, errors } = props;
  return (
    <form method="post" action="/account/withdraw" class="stack" novalidate>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="idempotencyKey" value={values.idempotencyKey} />
      <input type="hidden" name="cardId" value={values.cardId} />
      <input type="hidden" name="amountYuan" value={values.amountYuan} />
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <dl class="kv-list" data-testid="withdraw-preview">
        <dt>到账银行卡</dt>
        <dd>{props.cardLabel}</dd>
        <dt>提现金额</dt>
        <dd>{formatFen(props.amountFen)}</dd>
        <dt>手续费</dt>
        <dd>{formatFen(props.feeFen)}</dd>
        <dt>预计到账</dt>
        <dd>
          <strong data-testid="net">{formatFen(props.netFen)}</strong>
        </dd>
      </dl>
      {props.needsReview && <p class="muted">该笔金额较大，需经平台审核后提交银行处理。</p>}
      <TradePasswordField errors={errors.tradePassword} />
      <div class="btn-row">
        <button type="submit" class="btn" name="intent" value="confirm">确认提现</button>
        <button type="submit" class="btn btn-secondary" name="intent" value="edit" formnovalidate>
          返回修改
        </button>
      </div>
    </form>
  );
}
