import { Field } from "./Field.tsx";

/** Props of {@link TradePasswordField}. */
export interface TradePasswordFieldProps {
  /** Chinese messages for the field (e.g. `tradePasswordErrorMessage(result)`); the first is shown. */
  errors?: string[];
  /** Input name (default `tradePassword`). */
  name?: string;
  /** Label (default 交易密码). */
  label?: string;
  /** Hide the 「设置 / 忘记交易密码」 link (the trade password page itself). */
  noLink?: boolean;
  /** `new-password` on the page that sets it. */
  autocomplete?: "off" | "new-password";
}

/**
 * The 6-digit 交易密码 input every money form uses: a numeric password field (never re-filled after an
 * error) with a link to set or reset it at `/account/trade-password`.
 */
export function TradePasswordField(props: TradePasswordFieldProps) {
  return (
    <Field
      name={props.name ?? "tradePassword"}
      label={props.label ?? "交易密码"}
      type="password"
      inputMode="numeric"
      autocomplete={props.autocomplete ?? "off"}
      maxLength={6}
      placeholder="6 位数字"
      required
      errors={props.errors}
      hint={props.noLink ? undefined : "交易密码为 6 位数字，与登录密码不同。"}
      addon={props.noLink
        ? undefined
        : <a class="btn btn-secondary" href="/account/trade-password">设置 / 忘记交易密码</a>}
    />
  );
}
