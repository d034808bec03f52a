import { CURRENT_AGREEMENTS } from "../domain/accounts/agreements.ts";
import { PASSWORD_HINT, PASSWORD_MAX_CHARS } from "../domain/accounts/password.ts";
import type { FieldErrors, RegisterField } from "../domain/accounts/user.ts";
import { CsrfField, DefaultSubmit, Field, PhoneField } from "./Field.tsx";
import { SandboxSmsNote, SmsCodeField } from "./SmsCodeField.tsx";

/** What the register form shows again after a submit (never the passwords). */
export interface RegisterDraft {
  kind: string;
  phone: string;
  smsCode: string;
  inviteCode: string;
  acceptAgreements: boolean;
}

/** An empty draft (optionally with an invite code from `?invite=`). */
export function emptyRegisterDraft(inviteCode = ""): RegisterDraft {
  return { kind: "", phone: "", smsCode: "", inviteCode, acceptAgreements: false };
}

/** Props of {@link RegisterForm}. */
export interface RegisterFormProps {
  draft: RegisterDraft;
  errors: FieldErrors<RegisterField>;
  csrfToken: string;
  /** Demo mode: say where the codes can be read. */
  demo: boolean;
  /** Set after a code was sent (no-script path): the notice and the countdown. */
  codeSent?: { resendAfterSeconds: number } | null;
  /** A throttle wait to count down (seconds). */
  retryAfterSeconds?: number;
}

/** The password policy, as the hint under the password field (worded with the rules in domain/accounts/password.ts). */
export { PASSWORD_HINT };

/**
 * The register form: kind, phone, SMS code with the 「获取验证码」 island, password twice, optional invite
 * code and the agreements. Works without script; posts to `/register`.
 */
export function RegisterForm(props: RegisterFormProps) {
  const { draft, errors } = props;
  const kindError = errors.kind?.[0];
  const acceptError = errors.acceptAgreements?.[0];
  const agreement = CURRENT_AGREEMENTS.user_agreement;
  const privacy = CURRENT_AGREEMENTS.privacy_policy;
  return (
    <form method="post" action="/register" class="stack">
      <CsrfField token={props.csrfToken} />
      {/* Enter in any field registers (the first submit button is the form's default button). */}
      <DefaultSubmit intent="register" label="注册" />
      <fieldset class="form-field" aria-describedby={kindError ? "f-kind-error" : undefined}>
        <legend>注册身份</legend>
        <div class="radio-row">
          <label class="choice">
            <input type="radio" name="kind" value="investor" checked={draft.kind === "investor"} required />
            我要出借
          </label>
          <label class="choice">
            <input type="radio" name="kind" value="borrower" checked={draft.kind === "borrower"} required />
            我要借款
          </label>
        </div>
        {kindError && <p class="field-error" id="f-kind-error" role="alert">{kindError}</p>}
      </fieldset>
      <PhoneField value={draft.phone} errors={errors.phone} autocomplete="tel-national" />
      <SmsCodeField
        purpose="register"
        value={draft.smsCode}
        errors={errors.smsCode}
        csrfToken={props.csrfToken}
        codeSent={props.codeSent}
        retryAfterSeconds={props.retryAfterSeconds}
      />
      <Field
        name="password"
        label="登录密码"
        type="password"
        autocomplete="new-password"
        maxLength={PASSWORD_MAX_CHARS}
        required
        hint={PASSWORD_HINT}
        errors={errors.password}
      />
      <Field
        name="passwordConfirm"
        label="确认密码"
        type="password"
        autocomplete="new-password"
        maxLength={PASSWORD_MAX_CHARS}
        required
        errors={errors.passwordConfirm}
      />
      <Field
        name="inviteCode"
        label="邀请码（选填）"
        autocomplete="off"
        maxLength={16}
        value={draft.inviteCode}
        errors={errors.inviteCode}
      />
      <div class="form-field">
        <label class="choice">
          <input
            type="checkbox"
            name="acceptAgreements"
            checked={draft.acceptAgreements}
            required
            aria-invalid={acceptError ? "true" : undefined}
            aria-describedby={acceptError ? "f-acceptAgreements-error" : undefined}
          />
          <span>
            我已阅读并同意<a href={agreement.href}>{agreement.title}</a>和<a href={privacy.href}>
              {privacy.title}
            </a>
          </span>
        </label>
        {acceptError && <p class="field-error" id="f-acceptAgreements-error" role="alert">{acceptError}</p>}
      </div>
      <button type="submit" name="intent" value="register" class="btn btn-block">注册</button>
      <p class="muted">
        已有账户？<a href="/login">立即登录</a>
      </p>
      {props.demo && <SandboxSmsNote />}
    </form>
  );
}
