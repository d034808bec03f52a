/**
 * The page markup of `/admin/products/[id]`.
 * @module
 */
import { CsrfField, Field, SelectField } from "../Field.tsx";
import { LOAN_GRADES, type LoanProduct, type ProductFormInput } from "../../domain/lending/products.ts";
import { REPAYMENT_METHOD_LABELS, REPAYMENT_METHODS } from "../../domain/lending/schedule.ts";

/** Data of {@link ProductEditPage}. */
export interface ProductEditData {
  product: LoanProduct;
  values: ProductFormInput;
  errors: Record<string, string[]>;
}

function Check(props: { name: string; label: string; checked: boolean }) {
  return (
    <label class="choice">
      <input type="checkbox" name={props.name} checked={props.checked} /> {props.label}
    </label>
  );
}

/** The whole page. */
export function ProductEditPage({ data, csrfToken }: { data: ProductEditData; csrfToken: string }) {
  const { product, values: v, errors } = data;
  const num = (name: keyof ProductFormInput, label: string, value: string, hint?: string) => (
    <Field
      name={name}
      label={label}
      value={value}
      inputMode="decimal"
      maxLength={20}
      hint={hint}
      errors={errors[name]}
    />
  );
  return (
    <>
      <h1>编辑借款产品：{product.name}</h1>
      <p>
        <a href="/admin/products">返回产品列表</a>
      </p>
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" class="stack card" novalidate>
        <CsrfField token={csrfToken} />
        <Field name="name" label="产品名称" value={v.name} maxLength={40} required errors={errors.name} />
        <Field
          name="description"
          label="产品说明"
          value={v.description}
          maxLength={500}
          errors={errors.description}
        />
        <SelectField
          name="borrowerKind"
          label="借款人类型"
          value={v.borrowerKind}
          emptyLabel="请选择"
          options={[["person", "个人"], ["business", "企业"]]}
          errors={errors.borrowerKind}
        />
        {num("minAmountYuan", "最低借款金额（元）", v.minAmountYuan)}
        {num("maxAmountYuan", "最高借款金额（元）", v.maxAmountYuan)}
        <SelectField
          name="termUnit"
          label="期限单位"
          value={v.termUnit}
          emptyLabel="请选择"
          options={[["month", "月"], ["day", "天（仅到期还本付息）"]]}
          errors={errors.termUnit}
        />
        <Field
          name="terms"
          label="可选期限"
          value={v.terms}
          maxLength={100}
          hint="用逗号分隔，如 3, 6, 12"
          errors={errors.terms}
        />
        <fieldset class="form-field">
          <legend>还款方式</legend>
          {REPAYMENT_METHODS.map((m) => (
            <label class="choice">
              <input type="checkbox" name="methods" value={m} checked={v.methods.includes(m)} />{" "}
              {REPAYMENT_METHOD_LABELS[m]}
            </label>
          ))}
          {errors.methods && <p class="field-error" role="alert">{errors.methods[0]}</p>}
        </fieldset>
        <fieldset class="form-field">
          <legend>各评级年利率区间（%）</legend>
          {LOAN_GRADES.map((g) => (
            <div class="radio-row">
              {num(`rate${g}Min` as keyof ProductFormInput, `${g} 级最低`, v.rates[`${g}Min`])}
              {num(`rate${g}Max` as keyof ProductFormInput, `${g} 级最高`, v.rates[`${g}Max`])}
            </div>
          ))}
        </fieldset>
        {num("serviceFeePercent", "服务费率（%，按本金，放款时收取）", v.serviceFeePercent)}
        {num(
          "interestManagementFeePercent",
          "利息管理费率（%，按出借人每期实收利息）",
          v.interestManagementFeePercent,
        )}
        {num("minBidYuan", "起投金额（元）", v.minBidYuan)}
        {num("bidUnitYuan", "递增金额（元）", v.bidUnitYuan)}
        {num("biddingDays", "募集天数", v.biddingDays)}
        <Check name="newbieOnly" label="新手专享（仅限未投资过的出借人）" checked={v.newbieOnly === "on"} />
        <Check name="prepaymentAllowed" label="允许提前还款" checked={v.prepaymentAllowed === "on"} />
        {num("prepaymentFeePercent", "提前还款手续费率（%，按提前归还的本金）", v.prepaymentFeePercent)}
        {num("penaltyDayPercent", "逾期 1–30 天日罚息率（%）", v.penaltyDayPercent)}
        {num("penaltyDayPercentAfter30", "逾期 31 天起日罚息率（%）", v.penaltyDayPercentAfter30)}
        {num("accelerationDays", "逾期多少天后加速到期", v.accelerationDays)}
        <Check name="active" label="在售（借款人可申请）" checked={v.active === "on"} />
        <p class="muted">修改只影响之后审核通过的借款，已发布的借款按原条件执行。</p>
        <button type="submit" class="btn">保存</button>
      </form>
    </>
  );
}
