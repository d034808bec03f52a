import { PASSWORD_HINT } from "../../domain/accounts/password.ts";
import { STAFF_ROLES } from "../../domain/staff/permissions.ts";
import { roleLabel } from "../AdminShell.tsx";
import { Field, SelectField } from "../Field.tsx";
import { StaffActionForm } from "./StaffActionForm.tsx";

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
    <StaffActionForm
      id="create-staff"
      title="新增员工"
      intent="create"
      submitLabel="创建员工"
      errors={errors}
      csrfToken={props.csrfToken}
    >
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
    </StaffActionForm>
  );
}
