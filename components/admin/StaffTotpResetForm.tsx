import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import type { StaffTotpState } from "../../domain/staff/totp.ts";
import { CsrfField, Field, SelectField } from "../Field.tsx";

/** What the reset form holds (kept to redisplay it after an error). */
export interface StaffTotpResetValues {
  staffId: string;
  reason: string;
}

/**
 * 重置两步验证 (super administrator): which member and the required reason (`intent=reset_totp`). The
 * member's TOTP and recovery codes are removed and their sessions end; they enrol again at the next log-in.
 */
export function StaffTotpResetForm(
  props: {
    staffList: StaffListRow[];
    totp: Map<string, StaffTotpState>;
    values: StaffTotpResetValues;
    errors: Record<string, string[]>;
    csrfToken: string;
  },
) {
  const { values, errors } = props;
  const label = (s: StaffListRow) => {
    const t = props.totp.get(s.id);
    const state = t?.enabled ? `已开启，剩余恢复码 ${t.recoveryCodesLeft} 个` : "未开启";
    return `${s.username}（${s.displayName}，两步验证${state}）`;
  };
  return (
    <section class="card" aria-labelledby="staff-totp">
      <h2 id="staff-totp">重置两步验证</h2>
      <p class="muted">
        员工丢失验证器且无恢复码时使用。重置后该员工立即退出登录，下次登录时重新绑定验证器。必须填写原因，操作记入操作日志。
      </p>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/staff" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="intent" value="reset_totp" />
        <SelectField
          name="totpStaffId"
          label="员工"
          value={values.staffId}
          emptyLabel="请选择"
          required
          errors={errors.staffId}
          options={props.staffList.map((s) => [s.id, label(s)] as const)}
        />
        <Field
          name="totpReason"
          label="原因"
          value={values.reason}
          maxLength={200}
          required
          hint="例如：手机丢失，已核实本人身份"
          errors={errors.reason}
        />
        <button class="btn" type="submit">重置两步验证</button>
      </form>
    </section>
  );
}
