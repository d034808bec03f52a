import { Field } from "./Field.tsx";

/** Props of {@link OwnSmsCodeField}. */
export interface OwnSmsCodeFieldProps {
  /** Input name (default `smsCode`). */
  name?: string;
  label?: string;
  value: string;
  errors?: string[];
  /** The `intent` the 「获取验证码」 button submits (default `send_code`). */
  sendIntent?: string;
  /** A hint under the field (e.g. 「验证码将发送至 138****5678」). */
  hint?: string;
}

/**
 * A 短信验证码 field for a signed-in user's security forms: its 「获取验证码」 button submits the form with
 * `intent=send_code` (no script needed, no field validation), and the server sends the code to the phone
 * the form is about and re-renders the page.
 */
export function OwnSmsCodeField(props: OwnSmsCodeFieldProps) {
  const name = props.name ?? "smsCode";
  return (
    <Field
      name={name}
      label={props.label ?? "短信验证码"}
      inputMode="numeric"
      autocomplete="one-time-code"
      maxLength={6}
      placeholder="6 位数字"
      value={props.value}
      errors={props.errors}
      hint={props.hint}
      addon={
        <button
          type="submit"
          name="intent"
          value={props.sendIntent ?? "send_code"}
          class="btn btn-secondary sms-code-button"
          formnovalidate
        >
          获取验证码
        </button>
      }
    />
  );
}
