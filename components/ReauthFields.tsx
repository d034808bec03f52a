import type { ComponentChildren } from "preact";
import { PASSWORD_MAX_CHARS } from "../domain/accounts/password.ts";
import { Field } from "./Field.tsx";

/**
 * 登录密码 asked again inside a session (re-authentication): a password field with the current password's
 * autocomplete and the policy's length limit. `name` defaults to `loginPassword`.
 */
export function LoginPasswordField(
  props: { name?: string; label?: string; hint?: string; required?: boolean; errors?: string[] },
) {
  return (
    <Field
      name={props.name ?? "loginPassword"}
      label={props.label ?? "登录密码"}
      type="password"
      autocomplete="current-password"
      maxLength={PASSWORD_MAX_CHARS}
      required={props.required}
      hint={props.hint}
      errors={props.errors}
    />
  );
}

/** The choice of how to prove it is the user (`method`: `login_password` or `sms`), as a row of radios. */
export function ReauthMethodChoice(props: { method: string; smsLabel: ComponentChildren }) {
  return (
    <div class="radio-row">
      <label>
        <input
          type="radio"
          name="method"
          value="login_password"
          checked={props.method === "login_password"}
        />{" "}
        登录密码
      </label>
      <label>
        <input type="radio" name="method" value="sms" checked={props.method === "sms"} /> {props.smsLabel}
      </label>
    </div>
  );
}
