/**
 * The resident identity card number of mainland China (GB 11643-1999, 公民身份号码): 18 characters —
 * a 6-digit administrative region code, the date of birth `YYYYMMDD`, a 3-digit sequence (odd for men,
 * even for women) and a check character (`0`–`9` or `X`) computed with ISO 7064 MOD 11-2.
 *
 * Pure: parsing and the local checks every real-name verification runs before the identity gateway.
 * @module
 */

/** Weights of the 17 body digits (2^(18-i) mod 11). */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** The check character for each remainder 0–10. */
const CHECK_CHARS = "10X98765432";

/**
 * Province-level codes (the first two digits): 11–15 华北, 21–23 东北, 31–37 华东, 41–46 中南,
 * 50–54 西南, 61–65 西北, 71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证, 91 国外 (legacy).
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
  "71",
  "81",
  "82",
  "83",
  "91",
]); // deno-fmt-ignore

/** Youngest age allowed to verify (出借 and 借款 need full civil capacity). */
export const MIN_AGE_YEARS = 18;

/** Why an ID number fails the local checks. */
export type IdNumberProblem =
  | "empty"
  | "format"
  | "region"
  | "birth_date"
  | "checksum"
  | "under_age";

/** Chinese messages shown next to the ID number field. */
export const ID_NUMBER_MESSAGES: Readonly<Record<IdNumberProblem, string>> = {
  empty: "请输入身份证号码",
  format: "身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X",
  region: "身份证号码前 6 位（地区码）不正确，请核对",
  birth_date: "身份证号码中的出生日期（第 7–14 位）不正确，请核对",
  checksum: "身份证号码校验位不正确，请逐位核对后重新输入",
  under_age: `未满 ${MIN_AGE_YEARS} 周岁不能进行实名认证`,
};

/** What an ID number says about its holder. */
export interface ParsedIdNumber {
  /** Normalised: 18 characters, a final `x` upper-cased. */
  idNumber: string;
  regionCode: string;
  birth: { year: number; month: number; day: number };
  sex: "male" | "female";
}

/** Outcome of {@link checkIdNumber}. */
export type IdNumberCheck = { ok: true; value: ParsedIdNumber } | { ok: false; problem: IdNumberProblem };

/**
 * Normalise what a person typed: trims, drops inner spaces, turns full-width digits and `ｘ` into ASCII,
 * upper-cases a final `x`.
 */
export function normalizeIdNumber(input: string): string {
  return input.trim()
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFF10 + 0x30))
    .replace(/[\uFF38\uFF58]/g, "X")
    .replace(/\s+/g, "")
    .toUpperCase();
}

/** The check character of the first 17 digits (ISO 7064 MOD 11-2). */
export function idNumberCheckChar(body17: string): string {
  if (!/^\d{17}$/.test(body17)) throw new RangeError("the body of an ID number is 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The calendar date of `at` in Asia/Shanghai (UTC+8, no daylight saving). */
export function shanghaiDateOf(at: Date): { year: number; month: number; day: number } {
  const t = new Date(at.getTime() + 8 * 3600 * 1000);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Full years between a birth date and a calendar date (someone born on 29 Feb turns a year older on 1 Mar). */
export function ageOn(
  birth: { year: number; month: number; day: number },
  on: { year: number; month: number; day: number },
): number {
  let age = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) age--;
  return age;
}

/**
 * Check an ID number locally: 18 characters, a known province and a county-level region code (not `xx0000`), a real date of
 * birth (from 1900 and not after `at`), the check character, and an age of at least
 * {@link MIN_AGE_YEARS} on `at` (Shanghai date). The first failing check is reported.
 */
export function checkIdNumber(input: string, at: Date = new Date()): IdNumberCheck {
  const idNumber = normalizeIdNumber(input);
  if (idNumber === "") return { ok: false, problem: "empty" };
  if (!/^\d{17}[\dX]$/.test(idNumber)) return { ok: false, problem: "format" };
  const regionCode = idNumber.slice(0, 6);
  // a person's code names a county (区/县): a known province, and not the province's own code xx0000
  if (!PROVINCE_CODES.has(regionCode.slice(0, 2)) || regionCode.slice(2) === "0000") {
    return { ok: false, problem: "region" };
  }
  const year = Number(idNumber.slice(6, 10));
  const month = Number(idNumber.slice(10, 12));
  const day = Number(idNumber.slice(12, 14));
  const today = shanghaiDateOf(at);
  const birth = { year, month, day };
  if (year < 1900 || !isValidDate(year, month, day) || ageOn(birth, today) < 0) {
    return { ok: false, problem: "birth_date" };
  }
  if (idNumberCheckChar(idNumber.slice(0, 17)) !== idNumber[17]) return { ok: false, problem: "checksum" };
  if (ageOn(birth, today) < MIN_AGE_YEARS) return { ok: false, problem: "under_age" };
  return {
    ok: true,
    value: { idNumber, regionCode, birth, sex: Number(idNumber[16]) % 2 === 1 ? "male" : "female" },
  };
}

/** A valid ID number from a region, birth date and sequence (tests, the sandbox's documented identities). */
export function makeIdNumber(regionCode: string, birthYyyymmdd: string, sequence3: string): string {
  const body = regionCode + birthYyyymmdd + sequence3;
  return body + idNumberCheckChar(body);
}

/** Chinese names: 2–20 characters of Han script, with the middle dot of minority names (·). */
export const REAL_NAME_PATTERN = /^[\p{Script=Han}][\p{Script=Han}·•]{0,18}[\p{Script=Han}]$/u;

/** Why a real name is refused. */
export type RealNameProblem = "empty" | "format";

/** Chinese messages shown next to the name field. */
export const REAL_NAME_MESSAGES: Readonly<Record<RealNameProblem, string>> = {
  empty: "请输入真实姓名",
  format: "请输入与身份证一致的中文姓名（2–20 个汉字，少数民族姓名可含「·」）",
};

/** Normalise and check a real name: trimmed, `•`/`．` turned into `·`, Han script only. */
export function checkRealName(
  input: string,
): { ok: true; name: string } | { ok: false; problem: RealNameProblem } {
  const name = input.trim().replace(/[•．.]/g, "·").replace(/\s+/g, "");
  if (name === "") return { ok: false, problem: "empty" };
  if (!REAL_NAME_PATTERN.test(name) || Array.from(name).length > 20) return { ok: false, problem: "format" };
  return { ok: true, name };
}
