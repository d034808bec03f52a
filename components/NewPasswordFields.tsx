import { PASSWORD_HINT, PASSWORD_MAX_CHARS } from "../domain/accounts/password.ts";
import { Field } from "./Field.tsx";

/**
 * 新密码 and 确认新密码 (`newPassword`, `confirm`) with the password policy's hint, as the password change
 * (`/account/password`) and 找回密码 (`/reset-password`) forms ask for them.
 */
export function NewPasswordFields(
  props: { errors: { newPassword?: string[]; confirm?: string[] }; required?: boolean },
) {
  return (
    <>
      <Field
        name="newPassword"
        label="新密码"
        type="password"
        autocomplete="new-password"
        maxLength={PASSWORD_MAX_CHARS}
        required={props.required}
        hint={PASSWORD_HINT}
        errors={props.errors.newPassword}
      />
      <Field
        name="confirm"
        label="确认新密码"
        type="password"
        autocomplete="new-password"
        maxLength={PASSWORD_MAX_CHARS}
        required={props.required}
        errors={props.errors.confirm}
      />
    </>
  );
}
