/**
 * Fixtures of the borrowing tests: a borrower ready to apply (verified, custody account open, trade
 * password set), small files of each accepted type, and a draft walked through the domain commands.
 * @module
 */
import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import type { Gateways } from "../../../domain/gateways/mod.ts";
import { TOP_UP_TRADE_PASSWORD, topUpUser } from "../payments/custody_fixtures.ts";
import { saveLoanTerms, saveProfile, startApplication } from "../../../domain/borrowing/application.ts";
import { completeDocuments, uploadDocument } from "../../../domain/borrowing/documents.ts";
import { makeIdNumber } from "../../../domain/identity/id_number.ts";
import { testCipher } from "../../helpers/forms.ts";

/** The trade password of {@link borrower}. */
export const BORROWER_TRADE_PASSWORD = TOP_UP_TRADE_PASSWORD;

/** A user who may apply: verified, custody account open, trade password {@link BORROWER_TRADE_PASSWORD}. */
export async function borrower(sql: Db, gateways: Gateways): Promise<{ userId: string; phone: string }> {
  const { userId, phone } = await topUpUser(sql, gateways);
  return { userId, phone };
}

/** A product's id by code. */
export async function productId(sql: Db, code: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`select id from loan_products where code = ${code}`;
  return String(row.id);
}

/** `size` bytes of a "JPEG" (starts with FF D8 FF). */
export function jpegBytes(size = 2048): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  out.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 4; i < size; i++) out[i] = i % 251;
  return out;
}

/** `size` bytes of a "PNG". */
export function pngBytes(size = 2048): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return out;
}

/** A small "PDF". */
export function pdfBytes(size = 1024): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode("%PDF-1.7\n"));
  return out;
}

/** The profile form of a person, all valid. */
export const PERSON_PROFILE = {
  education: "bachelor",
  maritalStatus: "married",
  city: "上海市",
  address: "上海市浦东新区世纪大道 100 号",
  employmentType: "employed",
  employer: "上海某科技有限公司",
  jobTitle: "工程师",
  workYears: "6",
  monthlyIncomeYuan: "25000",
  monthlyDebtYuan: "3000",
  contact1Name: "李四",
  contact1Relationship: "spouse",
  contact1Phone: "13800138001",
  contact2Name: "王五",
  contact2Relationship: "colleague",
  contact2Phone: "13900139002",
  enterpriseName: "",
  creditCode: "",
  industry: "",
  annualRevenueYuan: "",
  legalRepName: "",
  legalRepIdNumber: "",
};

/** The business part of the profile form, all valid. */
export const BUSINESS_PROFILE = {
  ...PERSON_PROFILE,
  enterpriseName: "福州某贸易有限公司",
  creditCode: "91350100M000100Y43",
  industry: "批发零售",
  annualRevenueYuan: "3000000",
  legalRepName: "赵六",
  legalRepIdNumber: makeIdNumber("350102", "19800101", "123"),
};

/**
 * A personal-credit draft walked through the domain up to (and including) the documents step, for
 * `amountYuan` (default 50 000). Returns its id.
 */
export async function completeDraft(
  sql: Db,
  userId: string,
  options: { dataDir: string; amountYuan?: string; productCode?: string },
): Promise<string> {
  const code = options.productCode ?? "personal_credit";
  const started = await startApplication(sql, { userId, productId: await productId(sql, code) });
  assert.ok(started.ok, JSON.stringify(started));
  const applicationId = started.applicationId;
  const business = code === "small_business";
  const terms = await saveLoanTerms(sql, {
    userId,
    applicationId,
    amountYuan: options.amountYuan ?? (business ? "100000" : "50000"),
    termCount: business ? "6" : "12",
    method: "equal_installment",
    purpose: "家庭装修",
  });
  assert.ok(terms.ok, JSON.stringify(terms));
  const profile = await saveProfile(sql, { pii: testCipher }, {
    userId,
    applicationId,
    ...(business ? BUSINESS_PROFILE : PERSON_PROFILE),
  });
  assert.ok(profile.ok, JSON.stringify(profile));
  const kinds = business
    ? ["id_front", "id_back", "bank_card", "business_licence", "business_premises"]
    : ["id_front", "id_back", "bank_card", "income_proof", "employment_proof"];
  for (const kind of kinds) {
    const r = await uploadDocument(sql, { dataDir: options.dataDir }, {
      userId,
      applicationId,
      kind,
      file: new Blob([jpegBytes()]),
    });
    assert.ok(r.ok, JSON.stringify(r));
  }
  const done = await completeDocuments(sql, { userId, applicationId });
  assert.ok(done.ok, JSON.stringify(done));
  return applicationId;
}
