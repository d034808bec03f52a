import type { StaffListRow } from "../../domain/staff/staff_admin.ts";
import type { StaffTotpState } from "../../domain/staff/totp.ts";
import { Field } from "../Field.tsx";
import { StaffActionForm, StaffSelect } from "./StaffActionForm.tsx";

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
    <StaffActionForm
      id="staff-totp"
      title="重置两步验证"
      intro={
        <p class="muted">
          员工丢失验证器且无恢复码时使用。重置后该员工立即退出登录，下次登录时重新绑定验证器。必须填写原因，操作记入操作日志。
        </p>
      }
      intent="reset_totp"
      submitLabel="重置两步验证"
      errors={errors}
      csrfToken={props.csrfToken}
    >
      <StaffSelect
        name="totpStaffId"
        staffList={props.staffList}
        label={label}
        value={values.staffId}
        errors={errors.staffId}
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
    </StaffActionForm>
  );
}
