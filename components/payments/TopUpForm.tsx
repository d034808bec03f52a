import {
  PAYMENT_CHANNEL_NAMES,
  PAYMENT_CHANNELS,
  type PaymentChannel,
} from "../../domain/gateways/payment.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { TOP_UP_STATUS_LABELS, type TopUpStatus } from "../../domain/payments/top_up.ts";
import { CsrfField, Field } from "../Field.tsx";
import { TradePasswordField } from "../TradePasswordField.tsx";
import { LocalTime } from "../LocalTime.tsx";
import { ScrollTable } from "../DataTable.tsx";

/** What the top-up form holds (kept on re-render after an error; never the password). */
export interface TopUpValues {
  amountYuan: string;
  channel: string;
  idempotencyKey: string;
}

/** The 充值 form: amount, channel, trade password, hidden idempotency key. */
export function TopUpForm(props: {
  csrfToken: string;
  values: TopUpValues;
  errors: Record<string, string[]>;
  limitsText: string;
}) {
  const { values, errors } = props;
  const channelError = errors.channel?.[0];
  return (
    <form method="post" action="/account/top-up" class="stack" novalidate>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="idempotencyKey" value={values.idempotencyKey} />
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <Field
        name="amountYuan"
        label="充值金额（元）"
        inputMode="decimal"
        value={values.amountYuan}
        maxLength={20}
        required
        placeholder="如 1000.00"
        hint={props.limitsText}
        errors={errors.amountYuan}
      />
      <fieldset class="form-field" aria-describedby={channelError ? "f-channel-error" : undefined}>
        <legend>支付方式</legend>
        <div class="radio-row">
          {PAYMENT_CHANNELS.map((c) => (
            <label class="choice" key={c}>
              <input type="radio" name="channel" value={c} checked={values.channel === c} required />
              {PAYMENT_CHANNEL_NAMES[c]}
            </label>
          ))}
        </div>
        {channelError && <p class="field-error" id="f-channel-error" role="alert">{channelError}</p>}
      </fieldset>
      <TradePasswordField errors={errors.tradePassword} />
      <button type="submit" class="btn btn-block">去支付</button>
    </form>
  );
}

/** One order as listed. */
export interface TopUpListRow {
  id: string;
  orderNo: string;
  amountFen: Fen;
  channel: PaymentChannel;
  status: TopUpStatus;
  createdAt: Date;
}

/** The user's recent orders. */
export function TopUpList(props: { rows: TopUpListRow[] }) {
  if (props.rows.length === 0) return <p class="muted">暂无充值记录。</p>;
  return (
    <ScrollTable testId="top-up-list">
      <thead>
        <tr>
          <th scope="col">时间</th>
          <th scope="col">金额</th>
          <th scope="col" class="text">方式</th>
          <th scope="col" class="text">状态</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.id} data-status={r.status}>
            <td>
              <a href={`/account/top-up/${r.id}`}>
                <LocalTime at={r.createdAt} />
              </a>
            </td>
            <td>{formatFen(r.amountFen)}</td>
            <td class="text">{PAYMENT_CHANNEL_NAMES[r.channel]}</td>
            <td class="text">{TOP_UP_STATUS_LABELS[r.status]}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}
