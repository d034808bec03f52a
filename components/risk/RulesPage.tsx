/**
 * The page of `/admin/risk/rules`: the active rule set, the add/edit form, a version picked from the history
 * (read only) and the version history.
 * @module
 */
import { CsrfField, Field, SelectField } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";
import { CONFIG_STATUS_TEXT, type ConfigVersion } from "../../domain/risk/rule_sets.ts";
import type { RuleFormValues } from "../../domain/risk/risk_forms.ts";
import {
  describeCondition,
  type Rule,
  RULE_FIELD_NAMES,
  RULE_FIELDS,
  RULE_OPERATOR_LABELS,
  RULE_OPERATORS,
  RULE_OUTCOME_LABELS,
  RULE_OUTCOMES,
} from "../../domain/risk/rules.ts";

/** The rule form shown: editing a rule (its original code) or adding one. */
export interface RuleFormState {
  values: RuleFormValues;
  errors: Record<string, string[]>;
  editing: boolean;
}

/** Data of {@link RulesPage}. */
export interface RulesPageData {
  active: ConfigVersion<Rule[]>;
  history: ConfigVersion<Rule[]>[];
  /** A version picked from the history (read only). */
  viewing: ConfigVersion<Rule[]> | null;
  form: RuleFormState;
  notice: string | null;
}

function RuleForm(props: { form: RuleFormState; baseVersion: number; csrfToken: string }) {
  const { values: v, errors, editing } = props.form;
  return (
    <section class="card" aria-labelledby="rule-form-title">
      <h2 id="rule-form-title">{editing ? `编辑规则 ${v.originalCode}` : "新增规则"}</h2>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/risk/rules" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="baseVersion" value={String(props.baseVersion)} />
        <input type="hidden" name="originalCode" value={v.originalCode} />
        <Field
          name="code"
          label="规则编号"
          value={v.code}
          maxLength={20}
          errors={errors.code}
          hint="如 R018，字母数字"
        />
        <Field
          name="description"
          label="规则说明"
          value={v.description}
          maxLength={100}
          errors={errors.description}
        />
        <SelectField
          name="field"
          label="字段"
          value={v.field}
          emptyLabel="请选择"
          options={RULE_FIELD_NAMES.map((f) => [f, RULE_FIELDS[f].label] as const)}
          errors={errors.field}
        />
        <SelectField
          name="operator"
          label="运算符"
          value={v.operator}
          emptyLabel="请选择"
          options={RULE_OPERATORS.map((o) => [o, `${RULE_OPERATOR_LABELS[o]}（${o}）`] as const)}
          errors={errors.operator}
        />
        <Field
          name="value"
          label="比较值"
          value={v.value}
          maxLength={300}
          errors={errors.value}
          hint="金额填元；是/否字段填 是 或 否；「属于」用逗号分隔多个值；产品类型填编码或名称"
        />
        <SelectField
          name="outcome"
          label="命中结果"
          value={v.outcome}
          emptyLabel="请选择"
          options={RULE_OUTCOMES.map((o) => [o, RULE_OUTCOME_LABELS[o]] as const)}
          errors={errors.outcome}
        />
        <Field
          name="reasonCode"
          label="原因说明（展示给审核人员）"
          value={v.reasonCode}
          maxLength={100}
          errors={errors.reasonCode}
        />
        <Field
          name="note"
          label="修改说明（可选，记入版本历史）"
          value={v.note}
          maxLength={200}
          errors={errors.note}
        />
        <div class="btn-row">
          <button type="submit" class="btn" name="intent" value="save">
            {editing ? "保存修改（生成新版本）" : "新增规则（生成新版本）"}
          </button>
          {editing && (
            <button type="submit" class="btn btn-secondary" name="intent" value="remove">删除此规则</button>
          )}
          {editing && <a href="/admin/risk/rules">取消编辑</a>}
        </div>
      </form>
    </section>
  );
}

function RulesTable(props: { rules: Rule[]; editable: boolean; label: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${props.label}（可左右滑动查看）`}>
      <table class="data admin-table">
        <thead>
          <tr>
            <th scope="col">编号</th>
            <th scope="col">说明</th>
            <th scope="col">条件</th>
            <th scope="col">命中结果</th>
            <th scope="col">原因</th>
            {props.editable && <th scope="col">操作</th>}
          </tr>
        </thead>
        <tbody>
          {props.rules.map((r) => (
            <tr data-rule={r.code}>
              <td>{r.code}</td>
              <td>{r.description}</td>
              <td>{describeCondition(r)}</td>
              <td>{RULE_OUTCOME_LABELS[r.outcome]}</td>
              <td>{r.reasonCode}</td>
              {props.editable && (
                <td>
                  <a href={`/admin/risk/rules?edit=${encodeURIComponent(r.code)}#rule-form-title`}>编辑</a>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The whole rules page. */
export function RulesPage({ data, csrfToken }: { data: RulesPageData; csrfToken: string }) {
  return (
    <>
      <h1>风控规则</h1>
      <p class="muted">
        系统初审逐条评估全部规则，取命中规则中最严重的结果（拒绝 &gt; 转人工审核 &gt;
        通过）；未被拒绝的申请一律进入人工审核。
        每次保存都会生成新版本并立即启用，每笔初审决定记录所用版本和每条规则的结果。
      </p>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <section class="card" aria-labelledby="active-title">
        <h2 id="active-title">
          当前版本 v{data.active.version}（{data.active.config.length} 条规则）
        </h2>
        <p class="muted">
          启用于 {data.active.activatedAt && <LocalTime at={data.active.activatedAt} withTime />}{" "}
          {data.active.createdByName ?? "系统"}
          {data.active.note ? `：${data.active.note}` : ""}
        </p>
        <RulesTable rules={data.active.config} editable label="当前规则" />
      </section>
      <RuleForm form={data.form} baseVersion={data.active.version} csrfToken={csrfToken} />
      {data.viewing && (
        <section class="card" aria-labelledby="viewing-title">
          <h2 id="viewing-title">版本 v{data.viewing.version} 的规则</h2>
          <RulesTable rules={data.viewing.config} editable={false} label={`版本 v${data.viewing.version}`} />
        </section>
      )}
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">版本历史</h2>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="版本历史（可左右滑动查看）">
          <table class="data admin-table">
            <thead>
              <tr>
                <th scope="col">版本</th>
                <th scope="col">状态</th>
                <th scope="col">规则数</th>
                <th scope="col">创建</th>
                <th scope="col">操作人</th>
                <th scope="col">说明</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((h) => (
                <tr data-version={h.version}>
                  <td>
                    <a href={`/admin/risk/rules?version=${h.version}#viewing-title`}>v{h.version}</a>
                  </td>
                  <td>{CONFIG_STATUS_TEXT[h.status]}</td>
                  <td>{Array.isArray(h.config) ? h.config.length : 0}</td>
                  <td>
                    <LocalTime at={h.createdAt} withTime />
                  </td>
                  <td>{h.createdByName ?? "系统"}</td>
                  <td>{h.note ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
