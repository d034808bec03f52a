import SmsCodeButton from "../islands/SmsCodeButton.tsx";
import { Field } from "./Field.tsx";

/** Props of {@link SmsCodeField}. */
export interface SmsCodeFieldProps {
  purpose: "register" | "login";
  value: string;
  errors?: string[];
  csrfToken: string;
  /** Set when the no-script path has just sent a code (starts the countdown). */
  codeSent?: { resendAfterSeconds: number } | null;
  /** Seconds until a new code may be asked for, after a throttled request. */
  retryAfterSeconds?: number;
}

/**
 * The 短信验证码 field with its 「获取验证码」 button (the `SmsCodeButton` island, which posts the phone of
 * `#f-phone`; without JavaScript the button submits the form with `intent=send_code`). Used by registration
 * and the SMS log-in.
 */
export function SmsCodeField(props: SmsCodeFieldProps) {
  return (
    <Field
      name="smsCode"
      label="短信验证码"
      inputMode="numeric"
      autocomplete="one-time-code"
      maxLength={6}
      placeholder="6 位数字"
      required
      value={props.value}
      errors={props.errors}
      addon={
        <SmsCodeButton
          csrfToken={props.csrfToken}
          purpose={props.purpose}
          phoneInputId="f-phone"
          codeInputId="f-smsCode"
          initialCountdownSeconds={props.codeSent?.resendAfterSeconds ?? props.retryAfterSeconds ?? 0}
          initialStatus={props.codeSent ? "验证码已发送，5 分钟内有效" : undefined}
        />
      }
    />
  );
}

/** Demo mode's note on where the sandbox's SMS codes can be read. */
export function SandboxSmsNote() {
  return (
    <p class="risk-note" role="note">
      演示环境不会真实发送短信：点击「获取验证码」后，可在<a href="/dev/sandbox">沙箱短信页</a>查看验证码。
    </p>
  );
}
