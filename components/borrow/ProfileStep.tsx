/**
 * The page markup of `/borrow/applications/[id]/profile`.
 * @module
 */
import { BorrowSteps } from "./BorrowSteps.tsx";
import { CsrfField, Field, SelectField } from "../Field.tsx";
import {
  EDUCATION_CHOICES,
  EMPLOYMENT_CHOICES,
  type LoanApplication,
  MARITAL_CHOICES,
  type ProfileInput,
  RELATIONSHIP_CHOICES,
} from "../../domain/borrowing/application.ts";

/** Data of {@link ProfileStep}. */
export interface ProfileStepData {
  app: LoanApplication;
  values: Partial<ProfileInput>;
  errors: Record<string, string[]>;
}

/** The whole page. */
export function ProfileStep({ data, csrfToken }: { data: ProfileStepData; csrfToken: string }) {
  const { app, errors } = data;
  const v = (k: keyof ProfileInput) => data.values[k] ?? "";
  const f = (name: keyof ProfileInput, label: string, extra: Record<string, unknown> = {}) => (
    <Field name={name} label={label} value={v(name)} errors={errors[name]} required {...extra} />
  );
  const s = (name: keyof ProfileInput, label: string, options: readonly (readonly [string, string])[]) => (
    <SelectField
      name={name}
      label={label}
      value={v(name)}
      emptyLabel="请选择"
      required
      options={options}
      errors={errors[name]}
    />
  );
  return (
    <div class="card auth-card">
      <h1>个人信息</h1>
      <BorrowSteps app={app} current="profile" />
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <form method="post" class="stack" novalidate>
        <CsrfField token={csrfToken} />
        {app.borrowerKind === "business" && (
          <fieldset>
            <legend>企业信息</legend>
            {f("enterpriseName", "企业名称", { maxLength: 60 })}
            {f("creditCode", "统一社会信用代码", { maxLength: 18, hint: "18 位，见营业执照" })}
            {f("industry", "所属行业", { maxLength: 30 })}
            {f("annualRevenueYuan", "上年营业收入（元）", { inputMode: "decimal", maxLength: 20 })}
            {f("legalRepName", "法定代表人姓名", { maxLength: 20 })}
            {f("legalRepIdNumber", "法定代表人身份证号码", { maxLength: 18 })}
          </fieldset>
        )}
        <fieldset>
          <legend>个人与工作</legend>
          {s("education", "学历", EDUCATION_CHOICES)}
          {s("maritalStatus", "婚姻状况", MARITAL_CHOICES)}
          {f("city", "所在城市", { maxLength: 40 })}
          {f("address", "居住地址", { maxLength: 100 })}
          {s("employmentType", "工作类型", EMPLOYMENT_CHOICES)}
          {f("employer", "工作单位", { maxLength: 60 })}
          {f("jobTitle", "职务", { maxLength: 30 })}
          {f("workYears", "工作年限（年）", { inputMode: "numeric", maxLength: 2 })}
        </fieldset>
        <fieldset>
          <legend>收入与负债</legend>
          {f("monthlyIncomeYuan", "月收入（元）", { inputMode: "decimal", maxLength: 20 })}
          {f("monthlyDebtYuan", "每月需偿还的其他债务（元）", {
            inputMode: "decimal",
            maxLength: 20,
            hint: "房贷、车贷、信用卡及其他借款的月还款合计，没有请填 0",
          })}
        </fieldset>
        {([1, 2] as const).map((n) => (
          <fieldset>
            <legend>联系人 {n}</legend>
            {f(`contact${n}Name`, "姓名", { maxLength: 20 })}
            {s(`contact${n}Relationship`, "与您的关系", RELATIONSHIP_CHOICES)}
            {f(`contact${n}Phone`, "手机号码", { type: "tel", inputMode: "tel", maxLength: 11 })}
          </fieldset>
        ))}
        <p class="muted">联系人手机号码加密保存，仅用于审核和贷后联系。</p>
        <button type="submit" class="btn btn-block">保存，下一步</button>
      </form>
    </div>
  );
}
