/**
 * `/admin/staff` — 员工管理 (staff.manage, super admin): the staff list, creating a staff member (policy
 * checked password; audited `staff.create`) and disabling / re-enabling one with a required reason
 * (audited `staff.disable` / `staff.enable`; nobody can disable themselves) and changing a member's role
 * (audited `staff.role`); the last active super administrator can be neither disabled nor demoted.
 * Post/redirect/get.
 */
import { StaffCreateForm, type StaffCreateValues } from "../../components/admin/StaffCreateForm.tsx";
import { StaffStatusForm, type StaffStatusValues } from "../../components/admin/StaffStatusForm.tsx";
import { StaffRoleForm, type StaffRoleValues } from "../../components/admin/StaffRoleForm.tsx";
import { canEditRoles, ROLE_MESSAGES, setStaffRole } from "../../domain/staff/role_permissions.ts";
import { StaffTable } from "../../components/admin/StaffTable.tsx";
import { StaffTotpResetForm, type StaffTotpResetValues } from "../../components/admin/StaffTotpResetForm.tsx";
import {
  RESET_STAFF_TOTP_MESSAGES,
  resetStaffTotp,
  type StaffTotpState,
  staffTotpStates,
} from "../../domain/staff/totp.ts";
import { page, readForm } from "../../framework/mod.ts";
import {
  listStaff,
  SET_STAFF_STATUS_MESSAGES,
  setStaffStatus,
  type StaffListRow,
} from "../../domain/staff/staff_admin.ts";
import { createStaff } from "../../domain/staff/staff.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

interface StaffPageData {
  staffList: StaffListRow[];
  create: StaffCreateValues;
  createErrors: Record<string, string[]>;
  status: StaffStatusValues;
  statusErrors: Record<string, string[]>;
  role: StaffRoleValues;
  roleErrors: Record<string, string[]>;
  notice: string | null;
  totp: Map<string, StaffTotpState>;
  totpReset: StaffTotpResetValues;
  totpErrors: Record<string, string[]>;
}

const NOTICES: Record<string, string> = {
  created: "员工账户已创建，已记入操作日志。",
  disabled: "员工账户已停用，其登录会话已全部失效。",
  enabled: "员工账户已启用。",
  unchanged: "状态未变化，无需操作。",
  totp_reset: "两步验证已重置，该员工已退出登录，下次登录时需重新绑定验证器。",
  totp_unchanged: "该员工尚未开启两步验证，无需重置。",
  role: "角色已变更，已记入操作日志。",
};

async function render(
  state: State,
  partial: Partial<Omit<StaffPageData, "staffList">>,
  status = 200,
) {
  const staffList = await listStaff(state.sql);
  return page<StaffPageData>({
    staffList,
    create: partial.create ?? { username: "", displayName: "", role: "" },
    createErrors: partial.createErrors ?? {},
    status: partial.status ?? { staffId: "", status: "disabled", reason: "" },
    statusErrors: partial.statusErrors ?? {},
    role: partial.role ?? { staffId: "", role: "" },
    roleErrors: partial.roleErrors ?? {},
    notice: partial.notice ?? null,
    totp: await staffTotpStates(state.sql),
    totpReset: partial.totpReset ?? { staffId: "", reason: "" },
    totpErrors: partial.totpErrors ?? {},
  }, { status });
}

/**
 * A refused staff action: the field errors, or the command's message for the form; 404, 403 or 409 by the
 * code, `otherwise` for anything else (bad input).
 */
function refusal<C extends string>(
  result: { code: NoInfer<C> } | { code: "invalid_input"; fields: Record<string, string[]> },
  messages: Record<C, string>,
  otherwise: number,
): { errors: Record<string, string[]>; status: number } {
  const errors = "fields" in result ? result.fields : { form: [messages[result.code]] };
  const code: string = result.code;
  const status = code === "not_found"
    ? 404
    : code === "forbidden"
    ? 403
    : code === "last_super_admin"
    ? 409
    : otherwise;
  return { errors, status };
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "员工管理";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "员工管理";
    const staff = ctx.state.staff!;
    const form = await readForm(ctx.req);
    const text = formText(form);
    const actor = { staff, ip: ctx.state.clientIp };
    const intent = text("intent", 20);
    if (intent === "create") {
      const create = {
        username: text("username", 64),
        displayName: text("displayName", 100),
        role: text("role", 40),
      };
      const result = await createStaff(ctx.state.sql, { ...create, password: text("password", 200) }, actor);
      if (result.ok) return ctx.redirect("/admin/staff?done=created", 303);
      if (result.code === "invalid_input") {
        return await render(ctx.state, { create, createErrors: result.fields }, 400);
      }
      if (result.code === "username_taken") {
        return await render(ctx.state, { create, createErrors: { username: ["该用户名已被使用"] } }, 409);
      }
      return await render(ctx.state, { create, createErrors: { form: ["无权操作"] } }, 403);
    }
    if (intent === "status") {
      const input = { staffId: text("staffId", 20), status: text("status", 20), reason: text("reason", 400) };
      const result = await setStaffStatus(ctx.state.sql, input, actor);
      if (result.ok) {
        const done = !result.changed ? "unchanged" : input.status === "disabled" ? "disabled" : "enabled";
        return ctx.redirect(`/admin/staff?done=${done}`, 303);
      }
      const refused = refusal(result, SET_STAFF_STATUS_MESSAGES, 400);
      return await render(ctx.state, { status: input, statusErrors: refused.errors }, refused.status);
    }
    if (intent === "role") {
      const input = { staffId: text("staffId", 20), role: text("role", 40) };
      const result = await setStaffRole(ctx.state.sql, input, actor);
      if (result.ok) return ctx.redirect(`/admin/staff?done=${result.changed ? "role" : "unchanged"}`, 303);
      const refused = refusal(result, ROLE_MESSAGES, 422);
      return await render(ctx.state, { role: input, roleErrors: refused.errors }, refused.status);
    }
    if (intent === "reset_totp") {
      const input = { staffId: text("totpStaffId", 20), reason: text("totpReason", 400) };
      const result = await resetStaffTotp(ctx.state.sql, input, actor);
      if (result.ok) {
        return ctx.redirect(`/admin/staff?done=${result.changed ? "totp_reset" : "totp_unchanged"}`, 303);
      }
      const refused = refusal(result, RESET_STAFF_TOTP_MESSAGES, 400);
      return await render(ctx.state, { totpReset: input, totpErrors: refused.errors }, refused.status);
    }
    return await render(ctx.state, { notice: null }, 400);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>员工管理</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <StaffTable staffList={data.staffList} me={state.staff?.id} />
    <div class="admin-forms">
      <StaffCreateForm values={data.create} errors={data.createErrors} csrfToken={state.csrfToken} />
      <StaffStatusForm
        staffList={data.staffList}
        values={data.status}
        errors={data.statusErrors}
        csrfToken={state.csrfToken}
      />
      <StaffTotpResetForm
        staffList={data.staffList}
        totp={data.totp}
        values={data.totpReset}
        errors={data.totpErrors}
        csrfToken={state.csrfToken}
      />
      {canEditRoles(state.staff) && (
        <StaffRoleForm
          staffList={data.staffList}
          values={data.role}
          errors={data.roleErrors}
          csrfToken={state.csrfToken}
        />
      )}
    </div>
  </>
));
