/**
 * The borrower's application (借款申请), saved as a draft between the steps of `/borrow`:
 * 1 product chosen ({@link startApplication}) → 2 amount, term, method, purpose ({@link saveLoanTerms}, with
 * the platform borrowing cap) → 3 personal and work information, income, debts, two contacts — and for a
 * business product the enterprise, its unified social credit code and legal representative
 * ({@link saveProfile}) → 4 documents (documents.ts) → 5 signed and submitted (submit.ts).
 *
 * `loan_applications.step` is the last step completed; `details` (jsonb) holds the profile, the contacts
 * (phones encrypted with the PII cipher, base64, plus a mask) and the business details (the legal
 * representative's ID number encrypted likewise). Only a draft is edited; only its owner sees it. The
 * applicant must be real-name verified and have an open custody account; one open application at a time.
 * @module
 */
import { z } from "zod";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import { maskIdNumber, maskName, maskPhone, type PiiCipher } from "../accounts/pii.ts";
import {
  checkIdNumber,
  checkRealName,
  ID_NUMBER_MESSAGES,
  REAL_NAME_MESSAGES,
} from "../identity/id_number.ts";
import { getProduct, type LoanProduct } from "../lending/products.ts";
import { REPAYMENT_METHOD_LABELS, type RepaymentMethod } from "../lending/schedule.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen, parseYuanToFen } from "../money/format.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { isId } from "../shared/ids.ts";
import { checkBorrowingCap, outstandingPrincipalFen } from "./caps.ts";
import { isValidCreditCode, normalizeCreditCode } from "./credit_code.ts";

/** The steps, by the number stored in `loan_applications.step` once completed. */
export const APPLICATION_STEPS = { product: 1, loan: 2, profile: 3, documents: 4, signed: 5 } as const;

/** An application's status. */
export type ApplicationStatus =
  | "draft"
  | "submitted"
  | "auto_rejected"
  | "manual_review"
  | "more_info"
  | "approved"
  | "rejected"
  | "cancelled";

/** What the borrower reads for each status. */
export const APPLICATION_STATUS_LABELS: Readonly<Record<ApplicationStatus, string>> = {
  draft: "草稿（未提交）",
  submitted: "审核中",
  manual_review: "审核中",
  more_info: "需补充材料",
  approved: "已通过",
  auto_rejected: "未通过",
  rejected: "未通过",
  cancelled: "已取消",
};

/** Statuses counted as "open" (one at a time per borrower, as the database's unique index says). */
export const OPEN_APPLICATION_STATUSES: readonly ApplicationStatus[] = [
  "draft",
  "submitted",
  "manual_review",
  "more_info",
];

/** Choices of the profile form: `[value, label]`. */
export const EDUCATION_CHOICES = [
  ["junior", "初中及以下"],
  ["high_school", "高中 / 中专"],
  ["college", "大专"],
  ["bachelor", "本科"],
  ["master", "硕士及以上"],
] as const;
/** Marital status choices. */
export const MARITAL_CHOICES = [
  ["single", "未婚"],
  ["married", "已婚"],
  ["divorced", "离异"],
  ["widowed", "丧偶"],
] as const;
/** Employment choices. */
export const EMPLOYMENT_CHOICES = [
  ["employed", "受雇（有固定工作单位）"],
  ["self_employed", "个体经营"],
  ["business_owner", "企业主"],
  ["freelance", "自由职业"],
  ["other", "其他"],
] as const;
/** A contact's relationship to the applicant. */
export const RELATIONSHIP_CHOICES = [
  ["spouse", "配偶"],
  ["parent", "父母"],
  ["child", "子女"],
  ["sibling", "兄弟姐妹"],
  ["colleague", "同事"],
  ["friend", "朋友"],
  ["other", "其他"],
] as const;

type ChoiceValue<T extends readonly (readonly [string, string])[]> = T[number][0];

/** Personal and work information (step 3). */
export interface ApplicantProfile {
  education: ChoiceValue<typeof EDUCATION_CHOICES>;
  maritalStatus: ChoiceValue<typeof MARITAL_CHOICES>;
  city: string;
  address: string;
  employmentType: ChoiceValue<typeof EMPLOYMENT_CHOICES>;
  employer: string;
  jobTitle: string;
  workYears: number;
}

/** A contact as stored: the phone encrypted (base64 of the PII ciphertext) and masked. */
export interface StoredContact {
  name: string;
  relationship: ChoiceValue<typeof RELATIONSHIP_CHOICES>;
  phoneEnc: string;
  phoneMasked: string;
}

/** A business borrower's details (step 3 of a business product). */
export interface StoredBusiness {
  enterpriseName: string;
  creditCode: string;
  industry: string;
  annualRevenueFen: string;
  legalRepName: string;
  legalRepIdEnc: string;
  legalRepIdMasked: string;
}

/** `loan_applications.details`. */
export interface ApplicationDetails {
  profile?: ApplicantProfile;
  /** The profile's work years again, where the risk rules read it (`employmentYearsOf`). */
  employmentYears?: number;
  contacts?: StoredContact[];
  business?: StoredBusiness;
}

/** An application as its owner (and staff) read it. */
export interface LoanApplication {
  id: string;
  userId: string;
  productId: string;
  productName: string;
  borrowerKind: "person" | "business";
  status: ApplicationStatus;
  step: number;
  amountFen: Fen | null;
  termCount: number | null;
  termUnit: "month" | "day";
  method: RepaymentMethod | null;
  purpose: string | null;
  details: ApplicationDetails;
  monthlyIncomeFen: Fen | null;
  monthlyDebtFen: Fen | null;
  authorisedAt: Date | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  reviewNote: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface ApplicationRow extends Omit<LoanApplication, "details"> {
  details: unknown;
}

function applicationColumns(db: Queryable) {
  return db`a.id, a.user_id as "userId", a.product_id as "productId", p.name as "productName",
    p.borrower_kind as "borrowerKind", a.status, a.step, a.amount_fen as "amountFen", a.term_count as "termCount",
    p.term_unit as "termUnit", a.method, a.purpose, a.details, a.monthly_income_fen as "monthlyIncomeFen",
    a.monthly_debt_fen as "monthlyDebtFen", a.authorised_at as "authorisedAt", a.submitted_at as "submittedAt",
    a.decided_at as "decidedAt", a.review_note as "reviewNote", a.created_at as "createdAt",
    a.updated_at as "updatedAt"`;
}

function fromRow(r: ApplicationRow): LoanApplication {
  const details = typeof r.details === "string" ? JSON.parse(r.details) : r.details;
  return {
    ...r,
    id: String(r.id),
    userId: String(r.userId),
    productId: String(r.productId),
    amountFen: r.amountFen === null ? null : BigInt(r.amountFen),
    monthlyIncomeFen: r.monthlyIncomeFen === null ? null : BigInt(r.monthlyIncomeFen),
    monthlyDebtFen: r.monthlyDebtFen === null ? null : BigInt(r.monthlyDebtFen),
    details: (details ?? {}) as ApplicationDetails,
  };
}

/** An application by id (any owner: for staff and for the commands, which check the owner), or `null`. */
export async function getApplication(db: Queryable, applicationId: string): Promise<LoanApplication | null> {
  if (!isId(applicationId)) return null;
  const [row] = await db<ApplicationRow[]>`
    select ${applicationColumns(db)} from loan_applications a join loan_products p on p.id = a.product_id
    where a.id = ${applicationId}`;
  return row ? fromRow(row) : null;
}

/** The application if it is `userId`'s own, else `null` (the routes answer 404). */
export async function getOwnApplication(
  db: Queryable,
  userId: string,
  applicationId: string,
): Promise<LoanApplication | null> {
  const app = await getApplication(db, applicationId);
  return app && app.userId === userId ? app : null;
}

/** Most applications listed on `/borrow`. */
export const MY_APPLICATIONS_LIMIT = 20;

/** The user's latest applications, newest first. */
export async function listMyApplications(db: Queryable, userId: string): Promise<LoanApplication[]> {
  const rows = await db<ApplicationRow[]>`
    select ${applicationColumns(db)} from loan_applications a join loan_products p on p.id = a.product_id
    where a.user_id = ${userId} order by a.id desc limit ${MY_APPLICATIONS_LIMIT}`;
  return rows.map(fromRow);
}

/** Whether the user may apply: verified identity, open custody account, and a trade password set. */
export interface BorrowerEligibility {
  verified: boolean;
  custodyOpen: boolean;
  tradePasswordSet: boolean;
}

/** The user's eligibility to borrow (see {@link BorrowerEligibility}). */
export async function borrowerEligibility(db: Queryable, userId: string): Promise<BorrowerEligibility> {
  const [row] = await db<BorrowerEligibility[]>`
    select u.identity_verified_at is not null as verified,
      exists (select 1 from custody_accounts c where c.user_id = u.id and c.status = 'open') as "custodyOpen",
      exists (select 1 from trade_passwords t where t.user_id = u.id) as "tradePasswordSet"
    from users u where u.id = ${userId}`;
  return row ?? { verified: false, custodyOpen: false, tradePasswordSet: false };
}

/** Why the user may not apply yet, or `null` (the trade password is needed only when signing). */
export function eligibilityProblem(e: BorrowerEligibility): "not_verified" | "no_custody" | null {
  if (!e.verified) return "not_verified";
  if (!e.custodyOpen) return "no_custody";
  return null;
}

/** Chinese messages of the application commands' refusals. */
export const APPLICATION_MESSAGES = {
  not_verified: "借款前请先完成实名认证",
  no_custody: "您的银行存管账户尚未开通，开通后才能借款",
  product_unavailable: "该借款产品暂不可申请",
  open_exists: "您有一笔借款申请尚未完成，请先完成或取消该申请",
  not_found: "借款申请不存在",
  not_editable: "该申请已提交，不能再修改",
  step_missing: "请先完成前面的步骤",
} as const;

/** Outcome of {@link startApplication}. */
export type StartApplicationResult =
  | { ok: true; applicationId: string }
  | { ok: false; code: "not_verified" | "no_custody" | "product_unavailable" }
  | { ok: false; code: "open_exists"; applicationId: string };

/** Whether an error is Postgres' unique violation. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "23505";
}

async function openApplicationOf(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db<{ id: string }[]>`
    select id from loan_applications where user_id = ${userId}
      and status in ('draft', 'submitted', 'manual_review', 'more_info') limit 1`;
  return row ? String(row.id) : null;
}

/**
 * Step 1: start a draft for an active product (recording the IP and device, which the risk signals
 * compare across applicants). Refused when the user is not verified (`not_verified`), has
 * no open custody account (`no_custody`), the product is not offered (`product_unavailable`) or another
 * application is open (`open_exists`, with its id).
 */
export async function startApplication(
  db: Db,
  input: { userId: string; productId: string; ip?: string | null; deviceId?: string | null },
): Promise<StartApplicationResult> {
  const problem = eligibilityProblem(await borrowerEligibility(db, input.userId));
  if (problem) return { ok: false, code: problem };
  const product = await getProduct(db, input.productId);
  if (!product || !product.active) return { ok: false, code: "product_unavailable" };
  const open = await openApplicationOf(db, input.userId);
  if (open) return { ok: false, code: "open_exists", applicationId: open };
  try {
    return await transaction(db, async (tx): Promise<StartApplicationResult> => {
      const [row] = await tx<{ id: string }[]>`
        insert into loan_applications (user_id, product_id, step, ip, device_id)
        values (${input.userId}, ${product.id}, 1, ${input.ip?.slice(0, 64) ?? null},
                ${input.deviceId?.slice(0, 100) ?? null})
        returning id`;
      await tx`
        insert into loan_events (application_id, kind, detail)
        values (${row.id}, 'application_started', ${tx.json({ productCode: product.code })})`;
      return { ok: true, applicationId: String(row.id) };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const other = await openApplicationOf(db, input.userId);
    return { ok: false, code: "open_exists", applicationId: other ?? "" };
  }
}

/** Refusals shared by the draft commands. */
type DraftRefusal = { ok: false; code: "not_found" | "not_editable" | "step_missing" };

/** Lock the user's own draft in `tx`, checking it has reached `needStep`. */
async function lockDraft(
  tx: Tx,
  userId: string,
  applicationId: string,
  needStep: number,
): Promise<{ ok: true; step: number; productId: string } | DraftRefusal> {
  const [row] = await tx<{ userId: string; status: string; step: number; productId: string }[]>`
    select user_id as "userId", status, step, product_id as "productId"
    from loan_applications where id = ${applicationId} for update`;
  if (!row || String(row.userId) !== userId) return { ok: false, code: "not_found" };
  if (row.status !== "draft") return { ok: false, code: "not_editable" };
  if (row.step < needStep) return { ok: false, code: "step_missing" };
  return { ok: true, step: row.step, productId: String(row.productId) };
}

/** The amount step as typed. */
export interface LoanTermsInput {
  amountYuan: string;
  termCount: string;
  method: string;
  purpose: string;
}

/** Outcome of {@link saveLoanTerms}. */
export type SaveLoanTermsResult =
  | { ok: true }
  | DraftRefusal
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * Check the amount step against the product (pure): an amount in yuan within the product's range, one of
 * its terms and methods, a purpose of 2–200 characters.
 */
export function parseLoanTerms(
  input: LoanTermsInput,
  product: Pick<LoanProduct, "minAmountFen" | "maxAmountFen" | "terms" | "methods" | "termUnit">,
):
  | { ok: true; amountFen: Fen; termCount: number; method: RepaymentMethod; purpose: string }
  | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const amountFen = parseYuanToFen(input.amountYuan);
  if (amountFen === null) fields.amountYuan = ["请输入借款金额（元），最多两位小数"];
  else if (amountFen < product.minAmountFen || amountFen > product.maxAmountFen) {
    fields.amountYuan = [
      `借款金额须在 ${formatFen(product.minAmountFen)} – ${formatFen(product.maxAmountFen)} 之间`,
    ];
  }
  const termCount = /^\d{1,3}$/.test(input.termCount.trim()) ? Number(input.termCount.trim()) : NaN;
  if (!product.terms.includes(termCount)) fields.termCount = ["请选择借款期限"];
  const method = product.methods.find((m) => m === input.method);
  if (!method) fields.method = ["请选择还款方式"];
  const purpose = input.purpose.trim();
  const length = Array.from(purpose).length;
  if (length < 2) fields.purpose = ["请填写借款用途（至少 2 个字）"];
  else if (length > 200) fields.purpose = ["借款用途最多 200 个字"];
  if (Object.keys(fields).length > 0 || amountFen === null || !method) return { ok: false, fields };
  return { ok: true, amountFen, termCount, method, purpose };
}

/**
 * Step 2: amount, term, method and purpose of the user's draft, checked against the product and the
 * platform borrowing cap (principal owed here + this amount; the refusal says by how much, on the amount).
 */
export async function saveLoanTerms(
  db: Db,
  input: { userId: string; applicationId: string } & LoanTermsInput,
): Promise<SaveLoanTermsResult> {
  if (!isId(input.applicationId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx): Promise<SaveLoanTermsResult> => {
    const draft = await lockDraft(tx, input.userId, input.applicationId, APPLICATION_STEPS.product);
    if (!draft.ok) return draft;
    const product = await getProduct(tx, draft.productId);
    if (!product) return { ok: false, code: "not_found" };
    const parsed = parseLoanTerms(input, product);
    if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
    const cap = checkBorrowingCap({
      borrowerKind: product.borrowerKind,
      outstandingFen: await outstandingPrincipalFen(tx, input.userId),
      requestFen: parsed.amountFen,
      otherPlatformsFen: null,
    });
    if (!cap.ok) return { ok: false, code: "invalid_input", fields: { amountYuan: [cap.message] } };
    await tx`
      update loan_applications set amount_fen = ${parsed.amountFen}, term_count = ${parsed.termCount},
        method = ${parsed.method}, purpose = ${parsed.purpose}, step = greatest(step, 2), updated_at = now()
      where id = ${input.applicationId}`;
    return { ok: true };
  });
}

/** The profile step as typed (all text). Business fields are read for business products only. */
export interface ProfileInput {
  education: string;
  maritalStatus: string;
  city: string;
  address: string;
  employmentType: string;
  employer: string;
  jobTitle: string;
  workYears: string;
  monthlyIncomeYuan: string;
  monthlyDebtYuan: string;
  contact1Name: string;
  contact1Relationship: string;
  contact1Phone: string;
  contact2Name: string;
  contact2Relationship: string;
  contact2Phone: string;
  enterpriseName: string;
  creditCode: string;
  industry: string;
  annualRevenueYuan: string;
  legalRepName: string;
  legalRepIdNumber: string;
}

const choice = <T extends readonly (readonly [string, string])[]>(choices: T, message: string) =>
  z.string().refine((v) => choices.some(([c]) => c === v), message) as unknown as z.ZodType<
    ChoiceValue<T>
  >;
const text = (label: string, min: number, max: number) =>
  z.string().trim().refine(
    (v) => Array.from(v).length >= min,
    min <= 1 ? `请填写${label}` : `${label}至少 ${min} 个字`,
  )
    .refine((v) => Array.from(v).length <= max, `${label}最多 ${max} 个字`);
const money = (label: string) =>
  z.string().trim().transform((v, ctx) => {
    const fen = parseYuanToFen(v);
    if (fen === null) {
      ctx.addIssue({ code: "custom", message: `请输入${label}（元），最多两位小数；没有请填 0` });
      return z.NEVER;
    }
    if (fen > 100_000_000_000n) {
      ctx.addIssue({ code: "custom", message: `${label}过大，请核对` });
      return z.NEVER;
    }
    return fen;
  });
const personName = z.string().transform((v, ctx) => {
  const r = checkRealName(v);
  if (!r.ok) {
    ctx.addIssue({
      code: "custom",
      message: r.problem === "empty" ? "请填写姓名" : REAL_NAME_MESSAGES.format,
    });
    return z.NEVER;
  }
  return r.name;
});
const mobile = z.string().trim().regex(/^1[3-9]\d{9}$/, "请输入 11 位手机号码");

const personSchema = z.object({
  education: choice(EDUCATION_CHOICES, "请选择学历"),
  maritalStatus: choice(MARITAL_CHOICES, "请选择婚姻状况"),
  city: text("所在城市", 2, 40),
  address: text("居住地址", 5, 100),
  employmentType: choice(EMPLOYMENT_CHOICES, "请选择工作类型"),
  employer: text("工作单位", 2, 60),
  jobTitle: text("职务", 1, 30),
  workYears: z.string().trim().regex(/^\d{1,2}$/, "请填写工作年限（0–50 的整数）").transform(Number)
    .refine((n) => n <= 50, "请填写工作年限（0–50 的整数）"),
  monthlyIncomeYuan: money("月收入"),
  monthlyDebtYuan: money("每月还债金额"),
  contact1Name: personName,
  contact1Relationship: choice(RELATIONSHIP_CHOICES, "请选择与您的关系"),
  contact1Phone: mobile,
  contact2Name: personName,
  contact2Relationship: choice(RELATIONSHIP_CHOICES, "请选择与您的关系"),
  contact2Phone: mobile,
}).superRefine((v, ctx) => {
  if (v.contact1Phone === v.contact2Phone) {
    ctx.addIssue({ code: "custom", path: ["contact2Phone"], message: "两位联系人的手机号码不能相同" });
  }
  if (v.monthlyIncomeYuan === 0n) {
    ctx.addIssue({ code: "custom", path: ["monthlyIncomeYuan"], message: "请填写您的月收入" });
  }
});

const businessSchema = z.object({
  enterpriseName: text("企业名称", 2, 60),
  creditCode: z.string().transform((v, ctx) => {
    const code = normalizeCreditCode(v);
    if (code === "") ctx.addIssue({ code: "custom", message: "请填写统一社会信用代码" });
    else if (code.length !== 18) ctx.addIssue({ code: "custom", message: "统一社会信用代码应为 18 位" });
    else if (!isValidCreditCode(code)) {
      ctx.addIssue({ code: "custom", message: "统一社会信用代码校验位不正确，请逐位核对" });
    }
    return code;
  }),
  industry: text("所属行业", 2, 30),
  annualRevenueYuan: money("上年营业收入"),
  legalRepName: personName,
  legalRepIdNumber: z.string(),
});

/** The validated profile. */
export interface ParsedProfile {
  profile: ApplicantProfile;
  monthlyIncomeFen: Fen;
  monthlyDebtFen: Fen;
  contacts: { name: string; relationship: StoredContact["relationship"]; phone: string }[];
  business: Omit<StoredBusiness, "legalRepIdEnc" | "legalRepIdMasked"> & { legalRepIdNumber: string } | null;
}

/** Check the profile step (pure apart from `at`, the day ages are counted on). */
export function parseProfile(
  input: ProfileInput,
  borrowerKind: "person" | "business",
  at: Date = new Date(),
): { ok: true; value: ParsedProfile } | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const person = personSchema.safeParse(input);
  if (!person.success) Object.assign(fields, fieldErrorsFrom(person.error, "form"));
  let business: ParsedProfile["business"] = null;
  if (borrowerKind === "business") {
    const b = businessSchema.safeParse(input);
    if (!b.success) Object.assign(fields, fieldErrorsFrom(b.error, "form"));
    const id = checkIdNumber(input.legalRepIdNumber, at);
    if (!id.ok) fields.legalRepIdNumber = [ID_NUMBER_MESSAGES[id.problem]];
    if (b.success && id.ok) {
      business = {
        enterpriseName: b.data.enterpriseName,
        creditCode: b.data.creditCode,
        industry: b.data.industry,
        annualRevenueFen: String(b.data.annualRevenueYuan),
        legalRepName: b.data.legalRepName,
        legalRepIdNumber: id.value.idNumber,
      };
    }
  }
  if (Object.keys(fields).length > 0 || !person.success) return { ok: false, fields };
  const v = person.data;
  return {
    ok: true,
    value: {
      profile: {
        education: v.education,
        maritalStatus: v.maritalStatus,
        city: v.city,
        address: v.address,
        employmentType: v.employmentType,
        employer: v.employer,
        jobTitle: v.jobTitle,
        workYears: v.workYears,
      },
      monthlyIncomeFen: v.monthlyIncomeYuan,
      monthlyDebtFen: v.monthlyDebtYuan,
      contacts: [
        { name: v.contact1Name, relationship: v.contact1Relationship, phone: v.contact1Phone },
        { name: v.contact2Name, relationship: v.contact2Relationship, phone: v.contact2Phone },
      ],
      business,
    },
  };
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Outcome of {@link saveProfile}. */
export type SaveProfileResult =
  | { ok: true }
  | DraftRefusal
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * Step 3: personal and work information, income, debts, two contacts (phones encrypted) and, for a
 * business product, the enterprise and its legal representative (ID number encrypted).
 */
export async function saveProfile(
  db: Db,
  deps: { pii: PiiCipher; now?: Date },
  input: { userId: string; applicationId: string } & ProfileInput,
): Promise<SaveProfileResult> {
  const app = await getOwnApplication(db, input.userId, input.applicationId);
  if (!app) return { ok: false, code: "not_found" };
  const parsed = parseProfile(input, app.borrowerKind, deps.now ?? new Date());
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  const v = parsed.value;
  const contacts: StoredContact[] = [];
  for (const c of v.contacts) {
    contacts.push({
      name: c.name,
      relationship: c.relationship,
      phoneEnc: toBase64(await deps.pii.encrypt(c.phone)),
      phoneMasked: maskPhone(c.phone),
    });
  }
  let business: StoredBusiness | undefined;
  if (v.business) {
    const { legalRepIdNumber, ...rest } = v.business;
    business = {
      ...rest,
      legalRepIdEnc: toBase64(await deps.pii.encrypt(legalRepIdNumber)),
      legalRepIdMasked: maskIdNumber(legalRepIdNumber),
    };
  }
  const details: ApplicationDetails = {
    profile: v.profile,
    employmentYears: v.profile.workYears,
    contacts,
    ...(business ? { business } : {}),
  };
  return await transaction(db, async (tx): Promise<SaveProfileResult> => {
    const draft = await lockDraft(tx, input.userId, input.applicationId, APPLICATION_STEPS.loan);
    if (!draft.ok) return draft;
    await tx`
      update loan_applications set details = ${tx.json(details as never)},
        monthly_income_fen = ${v.monthlyIncomeFen}, monthly_debt_fen = ${v.monthlyDebtFen},
        step = greatest(step, 3), updated_at = now()
      where id = ${input.applicationId}`;
    return { ok: true };
  });
}

/** The saved profile as form values (phones and the ID number decrypted), for the owner to edit. */
export async function profileFormValues(
  pii: PiiCipher,
  app: LoanApplication,
): Promise<Partial<ProfileInput>> {
  const d = app.details;
  const out: Partial<ProfileInput> = {};
  if (d.profile) {
    Object.assign(out, { ...d.profile, workYears: String(d.profile.workYears) });
  }
  if (app.monthlyIncomeFen !== null) out.monthlyIncomeYuan = yuanText(app.monthlyIncomeFen);
  if (app.monthlyDebtFen !== null) out.monthlyDebtYuan = yuanText(app.monthlyDebtFen);
  for (const [i, c] of (d.contacts ?? []).slice(0, 2).entries()) {
    const n = i + 1 as 1 | 2;
    out[`contact${n}Name`] = c.name;
    out[`contact${n}Relationship`] = c.relationship;
    out[`contact${n}Phone`] = await pii.decrypt(fromBase64(c.phoneEnc));
  }
  if (d.business) {
    out.enterpriseName = d.business.enterpriseName;
    out.creditCode = d.business.creditCode;
    out.industry = d.business.industry;
    out.annualRevenueYuan = yuanText(BigInt(d.business.annualRevenueFen));
    out.legalRepName = d.business.legalRepName;
    out.legalRepIdNumber = await pii.decrypt(fromBase64(d.business.legalRepIdEnc));
  }
  return out;
}

/** A contact's phone, decrypted (staff review). */
export async function contactPhone(pii: PiiCipher, contact: StoredContact): Promise<string> {
  return await pii.decrypt(fromBase64(contact.phoneEnc));
}

/** Fen as plain yuan text for a form (`123456n` → `1234.56`, `500000n` → `5000`). */
export function yuanText(fen: Fen): string {
  const yuan = fen / 100n;
  const cents = fen % 100n;
  return cents === 0n ? String(yuan) : `${yuan}.${String(cents).padStart(2, "0")}`;
}

/** The masked summary of the applicant's contacts (`张* 父母 138****5678`). */
export function contactSummary(contact: StoredContact): string {
  const rel = RELATIONSHIP_CHOICES.find(([v]) => v === contact.relationship)?.[1] ?? "";
  return `${maskName(contact.name)} ${rel} ${contact.phoneMasked}`;
}

/** The label of a repayment method (re-exported for the pages). */
export function methodLabel(method: RepaymentMethod | null): string {
  return method ? REPAYMENT_METHOD_LABELS[method] : "—";
}

/** Outcome of {@link cancelApplication}. */
export type CancelApplicationResult = { ok: true } | DraftRefusal;

/** The owner cancels a draft (then another application may be started). */
export async function cancelApplication(
  db: Db,
  input: { userId: string; applicationId: string },
): Promise<CancelApplicationResult> {
  if (!isId(input.applicationId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx): Promise<CancelApplicationResult> => {
    const draft = await lockDraft(tx, input.userId, input.applicationId, APPLICATION_STEPS.product);
    if (!draft.ok) return draft;
    await tx`update loan_applications set status = 'cancelled', updated_at = now() where id = ${input.applicationId}`;
    await tx`
      insert into loan_events (application_id, kind, detail) values (${input.applicationId}, 'cancelled', '{}')`;
    return { ok: true };
  });
}
