import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { Field, SelectField } from "../Field.tsx";
import { AUDIT_ACTION_LABELS } from "./AuditTable.tsx";
import { fieldErrors, FilterBar } from "./FilterBar.tsx";

/** The action log's filters: the staff member, and the action (dotted name, suggested from the known ones). */
export function AuditFilters(
  props: {
    staffList: StaffListRow[];
    form: { staff: string; action: string };
    errors: { staff?: string; action?: string };
  },
) {
  return (
    <FilterBar action="/admin/audit" label="筛选操作日志">
      <SelectField
        name="staff"
        label="员工"
        value={props.form.staff}
        options={props.staffList.map((s) => [s.id, `${s.displayName}（${s.username}）`])}
        emptyLabel="全部"
        errors={fieldErrors(props.errors.staff)}
      />
      <Field
        name="action"
        label="操作"
        value={props.form.action}
        maxLength={64}
        placeholder="例如 staff.login"
        list="audit-actions"
        errors={fieldErrors(props.errors.action)}
      />
      <datalist id="audit-actions">
        {Object.entries(AUDIT_ACTION_LABELS).map(([value, label]) => (
          <option key={value} value={value}>{label}</option>
        ))}
      </datalist>
    </FilterBar>
  );
}
