/**
 * `/admin/finance/fees` — 费率设置 (finance.fees): the fee in force per business type, a form to add a
 * rule with an effective date (a new row; the past is never edited; audited `fee.rule_add`) and the full
 * history. Post/redirect/get.
 */
import { DataTable } from "../../../components/DataTable.tsx";
import { CsrfField, Field, SelectField } from "../../../components/Field.tsx";
import { LocalTime } from "../../../components/LocalTime.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import {
  ADD_FEE_RULE_MESSAGES,
  addFeeRule,
  currentFees,
  describeFeeRule,
  FEE_BUSINESS_LABELS,
  FEE_BUSINESS_TYPES,
  type FeeBusinessType,
  feeHistory,
  type FeeRuleFormInput,
  type StoredFeeRule,
} from "../../../domain/payments/fees.ts";
import { define, formText, type State } from "../../../utils.ts";

interface FeesPageData {
  current: Partial<Record<FeeBusinessType, StoredFeeRule>>;
  history: StoredFeeRule[];
  values: FeeRuleFormInput;
  errors: Record<string, string[]>;
  notice: string | null;
  now: Date;
}

const EMPTY: FeeRuleFormInput = {
  businessType: "",
  kind: "fixed",
  fixedYuan: "",
  ratePercent: "",
  minYuan: "",
  maxYuan: "",
  effectiveDate: "",
  note: "",
};

async function render(state: State, partial: Partial<FeesPageData>, status = 200) {
  const now = new Date();
  const [current, history] = await Promise.all([currentFees(state.sql, now), feeHistory(state.sql)]);
  return page<FeesPageData>({
    current,
    history,
    values: partial.values ?? EMPTY,
    errors: partial.errors ?? {},
    notice: partial.notice ?? null,
    now,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "费率设置";
    const done = ctx.url.searchParams.get("done") === "added";
    return await render(ctx.state, { notice: done ? "收费规则已添加，已记入操作日志。" : null });
  },
  async POST(ctx) {
    ctx.state.title = "费率设置";
    const form = await readForm(ctx.req);
    const text = formText<keyof FeeRuleFormInput>(form);
    const values: FeeRuleFormInput = {
      businessType: text("businessType", 40),
      kind: text("kind", 10),
      fixedYuan: text("fixedYuan", 30),
      ratePercent: text("ratePercent", 30),
      minYuan: text("minYuan", 30),
      maxYuan: text("maxYuan", 30),
      effectiveDate: text("effectiveDate", 20),
      note: text("note", 400),
    };
    const result = await addFeeRule(ctx.state.sql, values, {
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect("/admin/finance/fees?done=added", 303);
    if (result.code === "invalid_input") {
      return await render(ctx.state, { values, errors: result.fields }, 422);
    }
    const status = result.code === "forbidden" ? 403 : 409;
    const errors: Record<string, string[]> = result.code === "duplicate_date"
      ? { effectiveDate: [ADD_FEE_RULE_MESSAGES.duplicate_date] }
      : { form: [ADD_FEE_RULE_MESSAGES.forbidden] };
    return await render(ctx.state, { values, errors }, status);
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { values, errors } = data;
  const currentIds = new Set(Object.values(data.current).map((r) => r!.id));
  return (
    <>
      <h1>费率设置</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <section class="card" aria-labelledby="fees-now">
        <h2 id="fees-now">现行收费</h2>
        <DataTable
          rows={FEE_BUSINESS_TYPES.map((t) => ({ t, rule: data.current[t] }))}
          columns={[
            { header: "业务", text: true, cell: (r) => FEE_BUSINESS_LABELS[r.t] },
            {
              header: "收费标准",
              text: true,
              cell: (r) => (r.rule ? describeFeeRule(r.rule.rule) : "未设置（免费）"),
            },
            {
              header: "生效时间",
              cell: (r) => (r.rule ? <LocalTime at={r.rule.effectiveFrom} withTime /> : "—"),
            },
          ]}
        />
      </section>
      <section class="card" aria-labelledby="fees-add">
        <h2 id="fees-add">新增收费规则</h2>
        <p class="muted">
          规则只新增、不修改：到生效时间后新规则取代旧规则，已发生的收费不受影响。生效日期留空则立即生效；填写日期则从该日
          0:00（北京时间）起生效，须晚于今天。
        </p>
        {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
        <form method="post" action="/admin/finance/fees" class="stack" novalidate>
          <CsrfField token={state.csrfToken} />
          <SelectField
            name="businessType"
            label="业务类型"
            value={values.businessType}
            emptyLabel="请选择"
            required
            errors={errors.businessType}
            options={FEE_BUSINESS_TYPES.map((t) => [t, FEE_BUSINESS_LABELS[t]] as const)}
          />
          <div class="form-field">
            <span class="label">收费方式</span>
            <div class="radio-row">
              <label class="choice">
                <input type="radio" name="kind" value="fixed" checked={values.kind !== "rate"} />
                每笔固定金额
              </label>
              <label class="choice">
                <input type="radio" name="kind" value="rate" checked={values.kind === "rate"} />
                按比例
              </label>
            </div>
            {errors.kind && <p class="field-error" role="alert">{errors.kind[0]}</p>}
          </div>
          <Field
            name="fixedYuan"
            label="每笔金额（元，固定收费）"
            inputMode="decimal"
            value={values.fixedYuan}
            maxLength={20}
            errors={errors.fixedYuan}
          />
          <Field
            name="ratePercent"
            label="费率（%，按比例收费）"
            inputMode="decimal"
            value={values.ratePercent}
            maxLength={10}
            hint="最多四位小数，如 0.1 表示 0.1%"
            errors={errors.ratePercent}
          />
          <Field
            name="minYuan"
            label="最低收费（元，可留空）"
            inputMode="decimal"
            value={values.minYuan}
            maxLength={20}
            errors={errors.minYuan}
          />
          <Field
            name="maxYuan"
            label="最高收费（元，可留空）"
            inputMode="decimal"
            value={values.maxYuan}
            maxLength={20}
            errors={errors.maxYuan}
          />
          <Field
            name="effectiveDate"
            label="生效日期"
            type="date"
            value={values.effectiveDate}
            errors={errors.effectiveDate}
          />
          <Field name="note" label="备注" value={values.note} maxLength={200} errors={errors.note} />
          <button type="submit" class="btn">添加规则</button>
        </form>
      </section>
      <section class="card" aria-labelledby="fees-history">
        <h2 id="fees-history">历史记录</h2>
        <DataTable
          rows={data.history}
          empty="暂无记录"
          columns={[
            { header: "业务", text: true, cell: (r) => FEE_BUSINESS_LABELS[r.businessType] },
            { header: "收费标准", text: true, cell: (r) => describeFeeRule(r.rule) },
            { header: "生效时间", cell: (r) => <LocalTime at={r.effectiveFrom} withTime /> },
            {
              header: "状态",
              text: true,
              cell: (r) => currentIds.has(r.id) ? "现行" : r.effectiveFrom > data.now ? "待生效" : "已失效",
            },
            { header: "设置人", text: true, cell: (r) => r.createdByName ?? "系统" },
            { header: "备注", text: true, cell: (r) => r.note ?? "" },
          ]}
        />
      </section>
    </>
  );
});
