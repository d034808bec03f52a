import { type ParsedUserQuery, USER_STATUS_LABELS, USER_STATUSES } from "../../domain/admin/users.ts";
import { USER_KIND_LABELS, USER_KINDS } from "../../domain/accounts/user.ts";
import { Field, SelectField } from "../Field.tsx";
import { fieldErrors, FilterBar } from "./FilterBar.tsx";

/**
 * The user list's filters (类型, 状态, 注册日期从 / 至, 手机号, 姓名, 身份证号, 标签) and 导出 CSV, which exports the filtered
 * list. A POST form with the CSRF token, so that a phone number, name or ID number typed here travels in the body and never
 * in a URL; 导出 CSV is a second submit button of the same form (`intent=export`).
 */
export function UserFilters(props: { query: ParsedUserQuery; csrfToken: string }) {
  const { form, errors } = props.query;
  return (
    <FilterBar
      action="/admin/users"
      label="筛选用户"
      csrfToken={props.csrfToken}
      actions={<button class="btn btn-secondary" type="submit" name="intent" value="export">导出 CSV</button>}
    >
      <SelectField
        name="kind"
        label="类型"
        value={form.kind}
        options={USER_KINDS.map((k) => [k, USER_KIND_LABELS[k]])}
        emptyLabel="全部"
        errors={fieldErrors(errors.kind)}
      />
      <SelectField
        name="status"
        label="状态"
        value={form.status}
        options={USER_STATUSES.map((s) => [s, USER_STATUS_LABELS[s]])}
        emptyLabel="全部"
        errors={fieldErrors(errors.status)}
      />
      <Field name="from" label="注册日期从" type="date" value={form.from} errors={fieldErrors(errors.from)} />
      <Field name="to" label="至" type="date" value={form.to} errors={fieldErrors(errors.to)} />
      <Field
        name="phone"
        label="手机号（精确）"
        type="tel"
        inputMode="tel"
        autocomplete="off"
        maxLength={20}
        value={form.phone}
        errors={fieldErrors(errors.phone)}
      />
      <Field
        name="name"
        label="姓名（精确）"
        autocomplete="off"
        maxLength={30}
        value={form.name}
        errors={fieldErrors(errors.name)}
      />
      <Field
        name="idNumber"
        label="身份证号（精确）"
        autocomplete="off"
        maxLength={18}
        value={form.idNumber}
        errors={fieldErrors(errors.idNumber)}
      />
      <Field
        name="tag"
        label="标签"
        autocomplete="off"
        maxLength={20}
        value={form.tag}
        errors={fieldErrors(errors.tag)}
      />
    </FilterBar>
  );
}
