/**
 * `/admin/staff` — 员工管理 (staff.manage, super admin): the staff list, creating a staff member (policy
 * checked password; audited `staff.create`) and disabling / re-enabling one with a required reason
 * (audited `staff.disable` / `staff.enable`; nobody can disable themselves). Post/redirect/get.
 */
import { roleLabel } from "../../components/AdminShell.tsx";
import { CsrfField, Field } from "../../components/Field.tsx";
import { page } from "../../framework/mod.ts";
import {
  listStaff,
  SET_STAFF_STATUS_MESSAGES,
  setStaffStatus,
  type StaffListRow,
} from "../../domain/staff_admin.ts";
import { createStaff, STAFF_ROLES } from "../../domain/staff.ts";
import { formatShanghaiDateTime } from "../../domain/shanghai_time.ts";
import { clientIp, define, type State } from "../../utils.ts";

interface CreateForm {
  username: string;
  displayName: string;
  role: string;
}

interface StaffPageData {
  staffList: StaffListRow[];
  create: CreateForm;
  createErrors: Record<string, string[]>;
  status: { staffId: string; status: string; reason: string };
  statusErrors: Record<string, string[]>;
  notice: string | null;
}

const NOTICES: Record<string, string> = {
  created: "员工账户已创建，已记入操作日志。",
  disabled: "员工账户已停用，其登录会话已全部失效。",
  enabled: "员工账户已启用。",
  unchanged: "状态未变化，无需操作。",
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
    notice: partial.notice ?? null,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "员工管理";
    return await render(ctx.state, { notice: NOTICES[ctx.url.searchParams.get("done") ?? ""] ?? null });
  },
  async POST(ctx) {
    ctx.state.title = "员工管理";
    const staff = ctx.state.staff!;
    const form = await ctx.req.formData();
    const text = (name: string, max: number) => String(form.get(name) ?? "").slice(0, max);
    const actor = { staff, ip: clientIp(ctx.info) };
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
      const statusErrors = result.code === "invalid_input"
        ? result.fields
        : { form: [SET_STAFF_STATUS_MESSAGES[result.code]] };
      const httpStatus = result.code === "not_found" ? 404 : result.code === "forbidden" ? 403 : 400;
      return await render(ctx.state, { status: input, statusErrors }, httpStatus);
    }
    return await render(ctx.state, { notice: null }, 400);
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const me = state.staff?.id;
  return (
    <>
      <h1>员工管理</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col" class="text">用户名</th>
              <th scope="col" class="text">姓名</th>
              <th scope="col" class="text">角色</th>
              <th scope="col" class="text">状态</th>
              <th scope="col">创建时间</th>
            </tr>
          </thead>
          <tbody>
            {data.staffList.map((s) => (
              <tr>
                <td>{s.id}</td>
                <td class="text">{s.username}{s.id === me && <span class="muted">（我）</span>}</td>
                <td class="text">{s.displayName}</td>
                <td class="text">{roleLabel(s.role)}</td>
                <td class="text">
                  <span class={s.status === "active" ? "badge" : "badge badge-warn"}>
                    {s.status === "active" ? "在职" : "已停用"}
                  </span>
                </td>
                <td>{formatShanghaiDateTime(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td colSpan={6} class="text">
                共 {data.staffList.length} 人，在职{" "}
                {data.staffList.filter((s) => s.status === "active").length} 人
              </td>
            </tr>
          </tfoot>
        </table>
      </div>

      <div class="admin-forms">
        <section class="card" aria-labelledby="create-staff">
          <h2 id="create-staff">新增员工</h2>
          {data.createErrors.form && <p class="form-error" role="alert">{data.createErrors.form[0]}</p>}
          <form method="post" action="/admin/staff" class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="create" />
            <Field
              name="username"
              label="用户名"
              value={data.create.username}
              hint="2–32 位小写字母、数字、点、横线或下划线，以字母开头"
              autocomplete="off"
              maxLength={32}
              required
              errors={data.createErrors.username}
            />
            <Field
              name="displayName"
              label="姓名"
              value={data.create.displayName}
              maxLength={50}
              required
              errors={data.createErrors.displayName}
            />
            <div class="form-field">
              <label for="f-role">角色</label>
              <select
                id="f-role"
                name="role"
                required
                aria-invalid={data.createErrors.role ? "true" : undefined}
                aria-describedby={data.createErrors.role ? "f-role-error" : undefined}
              >
                <option value="">请选择</option>
                {STAFF_ROLES.map((r) => (
                  <option value={r} selected={r === data.create.role}>{roleLabel(r)}</option>
                ))}
              </select>
              {data.createErrors.role && (
                <p class="field-error" id="f-role-error" role="alert">{data.createErrors.role[0]}</p>
              )}
            </div>
            <Field
              name="password"
              label="初始密码"
              type="password"
              autocomplete="new-password"
              hint="至少 8 位，不能全是数字，不能是常见密码；请通过安全渠道告知本人"
              required
              errors={data.createErrors.password}
            />
            <button class="btn" type="submit">创建员工</button>
          </form>
        </section>

        <section class="card" aria-labelledby="staff-status">
          <h2 id="staff-status">停用 / 启用员工</h2>
          <p class="muted">停用后该员工立即退出登录且无法再登录。必须填写原因，操作记入操作日志。</p>
          {data.statusErrors.form && <p class="form-error" role="alert">{data.statusErrors.form[0]}</p>}
          <form method="post" action="/admin/staff" class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="status" />
            <div class="form-field">
              <label for="f-staffId">员工</label>
              <select
                id="f-staffId"
                name="staffId"
                required
                aria-invalid={data.statusErrors.staffId ? "true" : undefined}
              >
                <option value="">请选择</option>
                {data.staffList.map((s) => (
                  <option value={s.id} selected={s.id === data.status.staffId}>
                    {s.username}（{s.displayName}，{s.status === "active" ? "在职" : "已停用"}）
                  </option>
                ))}
              </select>
              {data.statusErrors.staffId && (
                <p class="field-error" role="alert">{data.statusErrors.staffId[0]}</p>
              )}
            </div>
            <div class="form-field">
              <span class="label">操作</span>
              <div class="radio-row">
                <label class="choice">
                  <input
                    type="radio"
                    name="status"
                    value="disabled"
                    checked={data.status.status !== "active"}
                  />
                  停用
                </label>
                <label class="choice">
                  <input
                    type="radio"
                    name="status"
                    value="active"
                    checked={data.status.status === "active"}
                  />
                  启用
                </label>
              </div>
              {data.statusErrors.status && (
                <p class="field-error" role="alert">{data.statusErrors.status[0]}</p>
              )}
            </div>
            <Field
              name="reason"
              label="原因"
              value={data.status.reason}
              maxLength={200}
              required
              hint="例如：离职、岗位调整"
              errors={data.statusErrors.reason}
            />
            <button class="btn" type="submit">提交</button>
          </form>
        </section>
      </div>
    </>
  );
});
