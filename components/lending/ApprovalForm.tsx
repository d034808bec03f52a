/**
 * The 审核通过 form of `/admin/loans/[id]` (`intent=approve`): grade, agreed annual rate, project name,
 * publish time and repayment source, with the shared labelled fields (errors beside each field, what the
 * reviewer typed kept after a refusal) and the product's rate range for each grade.
 * @module
 */
import type { LoanGrade, RateRange } from "../../domain/lending/products.ts";
import { type ApproveResult, MAX_PUBLISH_AHEAD_DAYS, REVIEW_MESSAGES } from "../../domain/lending/review.ts";
import { formatRateMicros, parsePercentToMicros } from "../../domain/money/format.ts";
import { CsrfField, Field, SelectField } from "../Field.tsx";

/** What the form holds (kept to redisplay it after an error). */
export interface ApprovalFormValues {
  grade: string;
  annualRate: string;
  title: string;
  publishAt: string;
  repaymentSource: string;
}

const GRADES: readonly LoanGrade[] = ["A", "B", "C", "D", "E"];

function rangeText(range: RateRange): string {
  return `${formatRateMicros(range.minRateMicros)}–${formatRateMicros(range.maxRateMicros)}`;
}

/**
 * The hint of the rate field: the allowed range of the chosen grade (the one posted, else the scorecard's),
 * or where to find the ranges when no grade is chosen yet.
 */
export function rateHint(gradeRates: Record<LoanGrade, RateRange> | null, grade: string): string {
  if (!gradeRates) return "约定年化利率，百分数，最多四位小数";
  const range = (GRADES as readonly string[]).includes(grade) ? gradeRates[grade as LoanGrade] : null;
  return range
    ? `评级 ${grade} 允许 ${rangeText(range)}；改选评级时以评级选项中的范围为准`
    : "各评级允许的年利率范围见评级选项";
}

/** A refused approval's messages, each beside its field of the form (the page's own message otherwise). */
export function approvalFormErrors(
  r: Exclude<ApproveResult, { ok: true }>,
  values: ApprovalFormValues,
): Record<string, string[]> {
  if (r.code === "invalid") {
    const { annualRateMicros, ...rest } = r.fieldErrors;
    const typed = values.annualRate.trim() !== "" && parsePercentToMicros(values.annualRate) === null;
    const rate = typed ? ["请填写百分数，如 8.50（最多四位小数）"] : annualRateMicros;
    return rate ? { ...rest, annualRate: rate } : rest;
  }
  if (r.code === "rate_out_of_range") {
    const range = r.range
      ? `（${formatRateMicros(r.range.minRateMicros)}–${formatRateMicros(r.range.maxRateMicros)}）`
      : "";
    return { annualRate: [REVIEW_MESSAGES[r.code] + range] };
  }
  if (r.code === "publish_too_late") return { publishAt: [REVIEW_MESSAGES[r.code]] };
  return { form: [REVIEW_MESSAGES[r.code]] };
}

/** The form; `values.grade` empty means the scorecard's grade (`suggestedGrade`) is preselected. */
export function ApprovalForm(props: {
  csrfToken: string;
  values: ApprovalFormValues;
  errors: Record<string, string[]>;
  gradeRates: Record<LoanGrade, RateRange> | null;
  suggestedGrade: string | null;
}) {
  const { values, errors, gradeRates } = props;
  const grade = values.grade || props.suggestedGrade || "";
  return (
    <form method="post" class="card stack" aria-labelledby="approve-title">
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="intent" value="approve" />
      <h2 id="approve-title">审核通过</h2>
      <SelectField
        name="grade"
        label="评级"
        value={grade}
        options={GRADES.map((g) => [g, gradeRates ? `${g}（年利率 ${rangeText(gradeRates[g])}）` : g])}
        emptyLabel="请选择评级"
        required
        errors={errors.grade}
      />
      <Field
        name="annualRate"
        label="约定年化利率（%）"
        inputMode="decimal"
        value={values.annualRate}
        hint={rateHint(gradeRates, grade)}
        placeholder="如 8.50"
        maxLength={10}
        required
        errors={errors.annualRate}
      />
      <Field
        name="title"
        label="项目名称"
        value={values.title}
        hint="2–60 个字，出借人在列表中看到的名称"
        maxLength={60}
        required
        errors={errors.title}
      />
      <Field
        name="publishAt"
        label="发布时间（北京时间）"
        type="datetime-local"
        value={values.publishAt}
        hint={`到时自动开始募集，最晚 ${MAX_PUBLISH_AHEAD_DAYS} 天后`}
        required
        errors={errors.publishAt}
      />
      <Field
        name="repaymentSource"
        label="还款来源"
        value={values.repaymentSource}
        hint="选填，最多 200 字，如 工资收入"
        maxLength={200}
        errors={errors.repaymentSource}
      />
      <p class="btn-row">
        <button type="submit">审核通过</button>
      </p>
    </form>
  );
}
