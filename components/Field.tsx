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
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy || undefined}
    />
  );
  return (
    <div class="form-field">
      <label for={id}>{props.label}</label>
      {props.addon ? <div class="input-with-button">{input}{props.addon}</div> : input}
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {error && <p class="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </div>
  );
}

/** A hidden CSRF field for every state-changing form. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}
