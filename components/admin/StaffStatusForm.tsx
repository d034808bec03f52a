import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import { CsrfField, Field, SelectField } from "../Field.tsx";

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
    <section class="card" aria-labelledby="staff-status">
      <h2 id="staff-status">停用 / 启用员工</h2>
      <p class="muted">停用后该员工立即退出登录且无法再登录。必须填写原因，操作记入操作日志。</p>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/staff" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="intent" value="status" />
        <SelectField
          name="staffId"
          label="员工"
          value={values.staffId}
          emptyLabel="请选择"
          required
          errors={errors.staffId}
          options={props.staffList.map((s) =>
            [s.id, `${s.username}（${s.displayName}，${s.status === "active" ? "在职" : "已停用"}）`] as const
          )}
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
        <button class="btn" type="submit">提交</button>
      </form>
    </section>
  );
}
