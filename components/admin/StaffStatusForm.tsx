import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { Field } from "../Field.tsx";
import { StaffActionForm, StaffSelect } from "./StaffActionForm.tsx";

/** What the status form holds (kept to redisplay it after an error). */
export interface StaffStatusValues {
  staffId: string;
  /** `active` (启用) or anything else (停用). */
  status: string;
  reason: string;
}

/** 停用 / 启用员工: which staff member, which way, and the required reason (`intent=status`). */
export function StaffStatusForm(
  props: {
    staffList: StaffListRow[];
    values: StaffStatusValues;
    errors: Record<string, string[]>;
    csrfToken: string;
  },
) {
  const { values, errors } = props;
  return (
    <StaffActionForm
      id="staff-status"
      title="停用 / 启用员工"
      intro={<p class="muted">停用后该员工立即退出登录且无法再登录。必须填写原因，操作记入操作日志。</p>}
      intent="status"
      submitLabel="提交"
      errors={errors}
      csrfToken={props.csrfToken}
    >
      <StaffSelect
        staffList={props.staffList}
        label={(s) => `${s.username}（${s.displayName}，${s.status === "active" ? "在职" : "已停用"}）`}
        value={values.staffId}
        errors={errors.staffId}
      />
      <div class="form-field">
        <span class="label">操作</span>
        <div class="radio-row">
          <label class="choice">
            <input type="radio" name="status" value="disabled" checked={values.status !== "active"} />
            停用
          </label>
          <label class="choice">
            <input type="radio" name="status" value="active" checked={values.status === "active"} />
            启用
          </label>
        </div>
        {errors.status && <p class="field-error" role="alert">{errors.status[0]}</p>}
      </div>
      <Field
        name="reason"
        label="原因"
        value={values.reason}
        maxLength={200}
        required
        hint="例如：离职、岗位调整"
        errors={errors.reason}
      />
    </StaffActionForm>
  );
}
