/**
 * The identity gateway (实名核验) as the domain sees it: does a name belong to an ID number, according to
 * the national citizen identity database (公民身份信息库, reached through a licensed provider)? It is a
 * *check*: real-name verification calls it before its transaction opens, never inside one.
 *
 * Implementations live in `integrations/` (today the sandbox, integrations/sandbox_identity.ts).
 *
 * Sandbox rules (documented for tests and the demo, see {@link SANDBOX_IDENTITIES}):
 * - a name and ID number listed in {@link SANDBOX_IDENTITIES} pass;
 * - a listed ID number with another name → `mismatch` (姓名与身份证号码不一致);
 * - the name 「人工审核」 with any valid ID number → `needs_review` (库中照片缺失，需人工审核);
 * - the name 「系统繁忙」 → `unavailable`;
 * - anything else → `not_found` (库中无此身份证号码).
 * @module
 */
import { makeIdNumber } from "../identity/id_number.ts";

/** What is checked: the name and the normalised 18-character ID number. */
export interface IdentityCheckInput {
  realName: string;
  idNumber: string;
  /** Idempotency / trace key of the request. */
  requestId: string;
}

/**
 * Outcome of a check:
 * - `ok`: the name and ID number belong together;
 * - `mismatch`: the ID number exists but the name differs (goes to the staff queue);
 * - `needs_review`: the provider cannot decide (e.g. no photo on file) — a person must look (staff queue);
 * - `not_found`: no such ID number;
 * - `unavailable`: the provider could not be reached — try again later.
 */
export type IdentityCheckResult =
  | { ok: true; providerReference: string }
  | { ok: false; code: "mismatch" | "needs_review" | "not_found" | "unavailable"; message: string };

/** The identity provider. */
export interface IdentityGateway {
  /** A short name for logs and the system status page (`sandbox`, …). */
  readonly name: string;
  check(input: IdentityCheckInput): Promise<IdentityCheckResult>;
}

/** One identity the sandbox knows. */
export interface SandboxIdentity {
  realName: string;
  idNumber: string;
}

/**
 * The identities the sandbox passes (valid GB 11643 numbers, all adults). The first five are those of the
 * demo users (db/seed.ts), in the order of `DEMO_USERS`; the rest are free for trying the page.
 */
export const SANDBOX_IDENTITIES: readonly SandboxIdentity[] = [
  { realName: "陈晓明", idNumber: makeIdNumber("110101", "19880512", "031") },
  { realName: "林雅婷", idNumber: makeIdNumber("310104", "19920318", "042") },
  { realName: "王建国", idNumber: makeIdNumber("440106", "19750921", "053") },
  { realName: "刘海峰", idNumber: makeIdNumber("330106", "19830704", "017") },
  { realName: "赵丽娜", idNumber: makeIdNumber("510104", "19900126", "028") },
  { realName: "张三", idNumber: makeIdNumber("110105", "19900307", "011") },
  { realName: "李四", idNumber: makeIdNumber("320102", "19851120", "022") },
  { realName: "王五", idNumber: makeIdNumber("420106", "19790615", "035") },
  { realName: "欧阳娜娜", idNumber: makeIdNumber("350203", "19950808", "046") },
  { realName: "买买提·艾力", idNumber: makeIdNumber("650102", "19870213", "019") },
];

/** The sandbox's name that asks for a manual review. */
export const SANDBOX_NEEDS_REVIEW_NAME = "人工审核";
/** The sandbox's name that answers `unavailable`. */
export const SANDBOX_UNAVAILABLE_NAME = "系统繁忙";
