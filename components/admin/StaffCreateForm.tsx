import { PASSWORD_HINT } from "../../domain/accounts/password.ts";
import { STAFF_ROLES } from "../../domain/staff/permissions.ts";
import { roleLabel } from "../AdminShell.tsx";
import { CsrfField, Field, SelectField } from "../Field.tsx";

/** What the create form holds (kept to redisplay it after an error). */
export interface StaffCreateValues {
  username: string;
  displayName: string;
  role: string;
}

/** 新增员工: user name, name, role and initial password (`intent=create`, posted to `/admin/staff`). */
export function StaffCreateForm(
  props: { values: StaffCreateValues; errors: Record<string, string[]>; csrfToken: string },
) {
  const { values, errors } = props;
  return (
    <section class="card" aria-labelledby="create-staff">
      <h2 id="create-staff">新增员工</h2>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/staff" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="intent" value="create" />
        <Field
          name="username"
          label="用户名"
          value={values.username}
          hint="2–32 位小写字母、数字、点、横线或下划线，以字母开头"
          autocomplete="off"
          maxLength={32}
          required
          errors={errors.username}
        />
        <Field
          name="displayName"
          label="姓名"
          value={values.displayName}
          maxLength={50}
          required
          errors={errors.displayName}
        />
        <SelectField
          name="role"
          label="角色"
          value={values.role}
          options={STAFF_ROLES.map((r) => [r, roleLabel(r)])}
          emptyLabel="请选择"
          required
          errors={errors.role}
        />
        <Field
          name="password"
          label="初始密码"
          type="password"
          autocomplete="new-password"
          hint={`${PASSWORD_HINT}。请通过安全渠道告知本人`}
          required
          errors={errors.password}
        />
        <button class="btn" type="submit">创建员工</button>
      </form>
    </section>
  );
}
