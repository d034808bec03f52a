import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { ROLE_LABELS, STAFF_ROLES } from "../../domain/staff/permissions.ts";
import { SelectField } from "../Field.tsx";
import { StaffActionForm, StaffSelect } from "./StaffActionForm.tsx";

/** What the role form holds (kept to redisplay it after an error). */
export interface StaffRoleValues {
  staffId: string;
  role: string;
}

/** 变更角色: which staff member and the new role (`intent=role`); audited, the last super admin stays. */
export function StaffRoleForm(
  props: {
    staffList: StaffListRow[];
    values: StaffRoleValues;
    errors: Record<string, string[]>;
    csrfToken: string;
  },
) {
  const { values, errors } = props;
  return (
    <StaffActionForm
      id="staff-role"
      title="变更角色"
      intro={
        <p class="muted">
          新角色的权限在该员工下一次操作时生效，操作记入操作日志。不能变更最后一位在职超级管理员的角色。各角色的权限在
          <a href="/admin/roles">角色权限</a>中设置。
        </p>
      }
      intent="role"
      submitLabel="变更角色"
      errors={errors}
      csrfToken={props.csrfToken}
    >
      <StaffSelect
        staffList={props.staffList}
        label={(s) => `${s.username}（${s.displayName}）`}
        value={values.staffId}
        errors={errors.staffId}
      />
      <SelectField
        name="role"
        label="新角色"
        value={values.role}
        emptyLabel="请选择"
        required
        errors={errors.role}
        options={STAFF_ROLES.map((r) => [r, ROLE_LABELS[r]] as const)}
      />
    </StaffActionForm>
  );
}
