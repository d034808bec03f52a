/**
 * `/admin/risk-levels` — 风险等级 (risk.rules): for each investor level C1–C5, the loan risk grades it may
 * bid on and the per-bid and total-outstanding limits; staff change one level at a time with a reason
 * (audited `risk_rules.update`; every change kept in the history below). Post/redirect/get; bad input →
 * the level's form again with the messages (422).
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, Field } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import {
  listRiskLevelRules,
  type RiskLevelRule,
  riskLevelRuleHistory,
  updateRiskLevelRule,
} from "../../domain/investor/risk_assessment.ts";
import { LOAN_GRADES, RISK_LEVEL_LABELS } from "../../domain/investor/risk_questionnaire.ts";
import { formatWan } from "../../domain/money/format.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

interface RuleValues {
  level: string;
  grades: string[];
  perBidLimit: string;
  totalLimit: string;
  reason: string;
}

interface RiskLevelsPageData {
  rules: RiskLevelRule[];
  history: RiskLevelRule[];
  /** The form that failed (its level), with what was typed. */
  failed: { values: RuleValues; errors: Record<string, string[]> } | null;
  notice: string | null;
}

/** Fen as a plain yuan amount for an input (`50000.00`). */
function yuanInput(fen: bigint): string {
  return `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
}

async function render(state: State, partial: Partial<RiskLevelsPageData>, status = 200) {
  const [rules, history] = await Promise.all([
    listRiskLevelRules(state.sql),
    riskLevelRuleHistory(state.sql),
  ]);
  return page<RiskLevelsPageData>({
    rules,
    history,
    failed: partial.failed ?? null,
    notice: partial.notice ?? null,
  }, { status });
}

const NOTICES: Record<string, string> = {
  saved: "规则已保存，已记入操作日志。",
  unchanged: "规则未变化，无需保存。",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "风险等级";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "风险等级";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const values: RuleValues = {
      level: text("level", 4),
      grades: form.getAll("grades").slice(0, 10).map((g) => String(g).slice(0, 4)),
      perBidLimit: text("perBidLimit", 30),
      totalLimit: text("totalLimit", 30),
      reason: text("reason", 400),
    };
    const result = await updateRiskLevelRule(ctx.state.sql, values, {
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    if (result.ok) {
      return ctx.redirect(`/admin/risk-levels?done=${result.changed ? "saved" : "unchanged"}`, 303);
    }
    const errors = result.code === "invalid_input" ? result.fields : { form: ["无权操作"] };
    return await render(ctx.state, { failed: { values, errors } }, result.code === "forbidden" ? 403 : 422);
  },
});

function RuleForm(props: { rule: RiskLevelRule; failed: RiskLevelsPageData["failed"]; csrfToken: string }) {
  const { rule } = props;
  const mine = props.failed?.values.level === rule.level ? props.failed : null;
  const v: RuleValues = mine?.values ?? {
    level: rule.level,
    grades: rule.allowedGrades,
    perBidLimit: yuanInput(rule.perBidLimitFen),
    totalLimit: yuanInput(rule.totalOutstandingLimitFen),
    reason: "",
  };
  const errors = mine?.errors ?? {};
  const id = `rule-${rule.level}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{rule.level} {RISK_LEVEL_LABELS[rule.level]}</h2>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" action="/admin/risk-levels" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="level" value={rule.level} />
        <fieldset class="form-field">
          <legend>可出借的项目风险等级</legend>
          <div class="radio-row">
            {LOAN_GRADES.map((g) => (
              <label class="choice">
                <input type="checkbox" name="grades" value={g} checked={v.grades.includes(g)} />
                {g}
              </label>
            ))}
          </div>
          {errors.grades && <p class="field-error" role="alert">{errors.grades[0]}</p>}
        </fieldset>
        <Field
          name="perBidLimit"
          label="单笔出借上限（元）"
          value={v.perBidLimit}
          inputMode="decimal"
          errors={errors.perBidLimit}
        />
        <Field
          name="totalLimit"
          label="累计持有上限（元）"
          value={v.totalLimit}
          inputMode="decimal"
          errors={errors.totalLimit}
        />
        <Field name="reason" label="修改原因" value={v.reason} maxLength={200} errors={errors.reason} />
        <button type="submit" class="btn">保存 {rule.level}</button>
      </form>
    </section>
  );
}

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>风险等级</h1>
    <p class="muted">
      出借人的风险测评等级决定其可出借的项目风险等级及出借限额。修改立即生效，须填写原因，操作记入操作日志。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <div class="table-wrap" tabIndex={0} role="region" aria-label="当前规则（可左右滑动查看）">
      <table class="data admin-table">
        <thead>
          <tr>
            <th scope="col">测评等级</th>
            <th scope="col">可出借项目</th>
            <th scope="col">单笔上限</th>
            <th scope="col">累计上限</th>
            <th scope="col">最近修改</th>
          </tr>
        </thead>
        <tbody>
          {data.rules.map((r) => (
            <tr data-level={r.level}>
              <td>{r.level} {RISK_LEVEL_LABELS[r.level]}</td>
              <td>{r.allowedGrades.join("、")}</td>
              <td>{formatWan(r.perBidLimitFen)}</td>
              <td>{formatWan(r.totalOutstandingLimitFen)}</td>
              <td>
                <LocalTime at={r.createdAt} withTime /> {r.staffName ?? "系统"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    <div class="admin-forms">
      {data.rules.map((r) => (
        <RuleForm key={r.level} rule={r} failed={data.failed} csrfToken={state.csrfToken} />
      ))}
    </div>
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">修改历史</h2>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="修改历史（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">等级</th>
              <th scope="col">可出借项目</th>
              <th scope="col">单笔上限</th>
              <th scope="col">累计上限</th>
              <th scope="col">操作人</th>
              <th scope="col">原因</th>
            </tr>
          </thead>
          <tbody>
            {data.history.map((r) => (
              <tr>
                <td>
                  <LocalTime at={r.createdAt} withTime />
                </td>
                <td>{r.level}</td>
                <td>{r.allowedGrades.join("、")}</td>
                <td>{formatWan(r.perBidLimitFen)}</td>
                <td>{formatWan(r.totalOutstandingLimitFen)}</td>
                <td>{r.staffName ?? "系统"}</td>
                <td>{r.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  </>
));
