import type { ComponentChildren } from "preact";
import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { CsrfField, SelectField } from "../Field.tsx";

/**
 * One of the action cards of `/admin/staff`: heading, explanation, the form-level error and a form posted to
 * `/admin/staff` with `intent`, its fields (`children`) and the submit button.
 */
export function StaffActionForm(
  props: {
    id: string;
    title: string;
    intro?: ComponentChildren;
    intent: string;
    submitLabel: string;
    errors: Record<string, string[]>;
    csrfToken: string;
    children: ComponentChildren;
  },
) {
  const { errors } = props;
  return (
    <section class="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.intro}
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/staff" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="intent" value={props.intent} />
        {props.children}
        <button class="btn" type="submit">{props.submitLabel}</button>
      </form>
    </section>
  );
}

/** The required 员工 choice of a staff action, each member labelled by `label`. */
export function StaffSelect(
  props: {
    name?: string;
    staffList: StaffListRow[];
    label: (s: StaffListRow) => string;
    value: string;
    errors?: string[];
  },
) {
  return (
    <SelectField
      name={props.name ?? "staffId"}
      label="员工"
      value={props.value}
      emptyLabel="请选择"
      required
      errors={props.errors}
      options={props.staffList.map((s) => [s.id, props.label(s)] as const)}
    />
  );
}
