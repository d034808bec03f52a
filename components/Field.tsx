import type { ComponentChildren } from "preact";

/** Props of {@link Field}. */
export interface FieldProps {
  /** The input's name (also its id, prefixed with `f-`). */
  name: string;
  label: string;
  type?: string;
  value?: string;
  /** Chinese messages for this field; the first is shown. */
  errors?: string[];
  hint?: string;
  autocomplete?: string;
  inputMode?: "text" | "numeric" | "decimal" | "tel" | "email";
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  /** The id of a `<datalist>` of suggestions. */
  list?: string;
  /** Extra content after the input (e.g. a "get code" button). */
  addon?: ComponentChildren;
}

/**
 * A labelled form field with its hint and field-level error, accessible (`aria-invalid`,
 * `aria-describedby`) and keeping what the user typed.
 */
export function Field(props: FieldProps) {
  const id = `f-${props.name}`;
  const error = props.errors?.[0];
  const describedBy = [props.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  const input = (
    <input
      id={id}
      name={props.name}
      type={props.type ?? "text"}
      value={props.value ?? ""}
      autocomplete={props.autocomplete}
      inputMode={props.inputMode}
      required={props.required}
      maxLength={props.maxLength}
      placeholder={props.placeholder}
      list={props.list}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy || undefined}
    />
  );
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      {props.addon ? <div class="input-with-button">{input}{props.addon}</div> : input}
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      <FieldError id={id} error={error} />
    </div>
  );
}

/** Props of {@link SelectField}. */
export interface SelectFieldProps {
  /** The select's name (also its id, prefixed with `f-`). */
  name: string;
  label: string;
  /** The chosen value (`""`: the empty choice). */
  value: string;
  /** The choices as `[value, label]`. */
  options: readonly (readonly [string, string])[];
  /** The label of the first, empty choice (全部, 请选择). */
  emptyLabel: string;
  required?: boolean;
  /** Chinese messages for this field; the first is shown. */
  errors?: string[];
}

/** A labelled `<select>` with an empty first choice and its field-level error, accessible like {@link Field}. */
export function SelectField(props: SelectFieldProps) {
  const id = `f-${props.name}`;
  const error = props.errors?.[0];
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        required={props.required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        <option value="">{props.emptyLabel}</option>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>{label}</option>
        ))}
      </select>
      <FieldError id={id} error={error} />
    </div>
  );
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? <p class="field-error" id={`${id}-error`} role="alert">{error}</p> : null;
}

/** A hidden CSRF field for every state-changing form. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/**
 * The mainland mobile number field every phone form uses (log-in, SMS log-in, registration): `tel` keyboard,
 * the same label, length limit and placeholder. `autocomplete` is `username` on log-in forms (so password
 * managers pair it with the password) and `tel-national` on registration.
 */
export function PhoneField(
  props: { value: string; errors?: string[]; autocomplete?: "username" | "tel-national" },
) {
  return (
    <Field
      name="phone"
      label="手机号码"
      type="tel"
      inputMode="tel"
      autocomplete={props.autocomplete ?? "username"}
      maxLength={20}
      placeholder="11 位手机号码"
      required
      value={props.value}
      errors={props.errors}
    />
  );
}

/**
 * A hidden submit button placed first in a form with several submit buttons, so that Enter in any field
 * submits `intent=value` (the first submit button is the form's default button).
 */
export function DefaultSubmit(props: { intent: string; label: string }) {
  return (
    <button
      type="submit"
      name="intent"
      value={props.intent}
      class="visually-hidden"
      tabindex={-1}
      aria-hidden="true"
    >
      {props.label}
    </button>
  );
}
