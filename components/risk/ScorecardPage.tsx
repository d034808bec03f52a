/**
 * The page of `/admin/risk/scorecard`: the active scorecard in one form (base points, grade cut-offs, each
 * attribute's bands) and the version history.
 * @module
 */
import { CsrfField, Field } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";
import { CONFIG_STATUS_TEXT, type ConfigVersion } from "../../domain/risk/rule_sets.ts";
import type { ScorecardFormValues } from "../../domain/risk/risk_forms.ts";
import { RULE_FIELDS } from "../../domain/risk/rules.ts";
import {
  GRADE_RISK_LEVEL,
  SCORE_ATTRIBUTES,
  scoreAttributeLabel,
  type ScorecardConfig,
} from "../../domain/risk/scorecard.ts";

/** Data of {@link ScorecardPage}. */
export interface ScorecardPageData {
  active: ConfigVersion<ScorecardConfig>;
  history: ConfigVersion<ScorecardConfig>[];
  values: ScorecardFormValues;
  note: string;
  errors: Record<string, string[]>;
  notice: string | null;
}

function unitHint(a: typeof SCORE_ATTRIBUTES[number]): string {
  const def: { type: string; unit?: string } = RULE_FIELDS[a];
  return def.type === "money" ? "单位：元" : def.unit ? `单位：${def.unit}` : "";
}

/** The whole scorecard page. */
export function ScorecardPage({ data, csrfToken }: { data: ScorecardPageData; csrfToken: string }) {
  const { values: v, errors } = data;
  return (
    <>
      <h1>评分卡</h1>
      <p class="muted">
        信用评分 = 基础分 +
        各属性所在分段的分值（分段含下限、不含上限，取第一个匹配的分段；无数据时取“无数据分”）。 评分对应等级
        A–E（A→R1 … E→R5），决定产品允许的利率区间。保存即生成新版本并启用。
      </p>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <p>
        当前版本 v{data.active.version}，启用于{" "}
        {data.active.activatedAt && <LocalTime at={data.active.activatedAt} withTime />}{" "}
        {data.active.createdByName ?? "系统"}。等级分数线：
        {(["A", "B", "C", "D"] as const).map((g) =>
          `${g}(${GRADE_RISK_LEVEL[g]}) ≥ ${data.active.config.cutoffs[g]}`
        ).join("，")}
        ，其余为 E(R5)。
      </p>
      <form method="post" action="/admin/risk/scorecard" class="stack card" novalidate>
        <CsrfField token={csrfToken} />
        <input type="hidden" name="baseVersion" value={String(data.active.version)} />
        {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
        <Field
          name="basePoints"
          label="基础分"
          value={v.basePoints}
          inputMode="numeric"
          errors={errors.basePoints}
        />
        <fieldset class="form-field">
          <legend>等级分数线（不低于该分数即为该等级）</legend>
          {(["A", "B", "C", "D"] as const).map((g) => (
            <Field
              name={`cutoff${g}`}
              label={`${g} 级（${GRADE_RISK_LEVEL[g]}）`}
              value={v.cutoffs[g]}
              inputMode="numeric"
              errors={errors[`cutoffs.${g}`]}
            />
          ))}
        </fieldset>
        {SCORE_ATTRIBUTES.map((a) => {
          const id = `f-bands_${a}`;
          const error = errors[`bands.${a}`]?.[0];
          return (
            <fieldset class="form-field" data-attribute={a}>
              <legend>{scoreAttributeLabel(a)}</legend>
              <label for={id}>分段（每行一个：下限~上限:分值，留空表示不限；{unitHint(a)}）</label>
              <textarea
                id={id}
                name={`bands_${a}`}
                rows={4}
                maxLength={1000}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
              >
                {v.bands[a] ?? ""}
              </textarea>
              {error && <p class="field-error" id={`${id}-error`} role="alert">{error}</p>}
              <Field
                name={`missing_${a}`}
                label="无数据分"
                value={v.missing[a] ?? "0"}
                inputMode="numeric"
                errors={errors[`missing.${a}`]}
              />
            </fieldset>
          );
        })}
        <Field name="note" label="修改说明（可选）" value={data.note} maxLength={200} errors={errors.note} />
        <button type="submit" class="btn">保存为新版本并启用</button>
      </form>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">版本历史</h2>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="版本历史（可左右滑动查看）">
          <table class="data admin-table">
            <thead>
              <tr>
                <th scope="col">版本</th>
                <th scope="col">状态</th>
                <th scope="col">基础分</th>
                <th scope="col">分数线 A/B/C/D</th>
                <th scope="col">创建</th>
                <th scope="col">操作人</th>
                <th scope="col">说明</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((h) => (
                <tr data-version={h.version}>
                  <td>v{h.version}</td>
                  <td>{CONFIG_STATUS_TEXT[h.status]}</td>
                  <td>{h.config.basePoints}</td>
                  <td>
                    {h.config.cutoffs
                      ? `${h.config.cutoffs.A}/${h.config.cutoffs.B}/${h.config.cutoffs.C}/${h.config.cutoffs.D}`
                      : ""}
                  </td>
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
