/**
 * Password policy and bcrypt hashing (`@node-rs/bcrypt`, async so the event loop stays free).
 *
 * Policy: at least 8 characters, at most 72 bytes (bcrypt ignores the rest), not all digits, not one of
 * a short list of common passwords (compared case-insensitively).
 */
import { hash, verify } from "@node-rs/bcrypt";

/** bcrypt cost used in production and for the seed. Tests may pass a lower cost. */
export const BCRYPT_COST = 10;
/** Minimum length, in characters. */
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt's input limit, in UTF-8 bytes. */
export const PASSWORD_MAX_BYTES = 72;

/** Common passwords refused by the policy (lower case). */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  "12345678",
  "123456789",
  "1234567890",
  "11111111",
  "00000000",
  "88888888",
  "66666666",
  "87654321",
  "password",
  "password1",
  "password123",
  "passw0rd",
  "p@ssw0rd",
  "p@ssword",
  "qwertyui",
  "qwerty123",
  "qwertyuiop",
  "qwer1234",
  "1qaz2wsx",
  "1q2w3e4r",
  "1q2w3e4r5t",
  "q1w2e3r4",
  "zxcvbnm1",
  "asdfghjk",
  "asdf1234",
  "zxcv1234",
  "abc12345",
  "abc123456",
  "abcd1234",
  "abcdefgh",
  "a1234567",
  "a12345678",
  "aa123456",
  "aaaaaaaa",
  "1234qwer",
  "123qweasd",
  "qweasdzxc",
  "iloveyou",
  "iloveyou1",
  "woaini1314",
  "woaini520",
  "5201314a",
  "admin123",
  "admin1234",
  "administrator",
  "welcome1",
  "letmein1",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "superman",
  "trustno1",
  "dragon123",
  "monkey123",
  "changeme",
]);

/** Policy messages, in Chinese. */
export const PASSWORD_MESSAGES = {
  too_short: `密码至少 ${PASSWORD_MIN_LENGTH} 位`,
  too_long: `密码过长（最多 ${PASSWORD_MAX_BYTES} 个字节，约 24 个汉字或 72 个英文字符）`,
  all_digits: "密码不能全是数字，请加入字母或符号",
  too_common: "密码过于常见，容易被猜到，请换一个",
} as const;

/** Why a password is refused. */
export type PasswordProblem = keyof typeof PASSWORD_MESSAGES;

/** Check a password against the policy; returns the problems (empty when acceptable). */
export function passwordProblems(password: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if (Array.from(password).length < PASSWORD_MIN_LENGTH) problems.push("too_short");
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) problems.push("too_long");
  if (/^\d+$/.test(password)) problems.push("all_digits");
  if (COMMON_PASSWORDS.has(password.toLowerCase())) problems.push("too_common");
  return problems;
}

/** The Chinese messages for a password, or an empty array when it meets the policy. */
export function validatePassword(password: string): string[] {
  return passwordProblems(password).map((p) => PASSWORD_MESSAGES[p]);
}

/** Options of {@link hashPassword}. */
export interface HashOptions {
  /** bcrypt cost (4–31). Default {@link BCRYPT_COST}; tests use 4. */
  cost?: number;
}

/** Hash a password with bcrypt. Does not check the policy. */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  return await hash(password, options.cost ?? BCRYPT_COST);
}

/**
 * Verify a password against a bcrypt hash; `false` (never a throw) for a malformed hash, and for a
 * password longer than {@link PASSWORD_MAX_BYTES} — bcrypt would ignore its tail, so a 72-byte password
 * plus any suffix would otherwise also match (no accepted password is that long).
 */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return false;
  try {
    return await verify(password, passwordHash);
  } catch {
    return false;
  }
}

/**
 * A valid cost-10 bcrypt hash of a random, discarded password. Verifying against it when an account
 * does not exist makes a failed login take as long as one with a wrong password.
 */
export const DUMMY_PASSWORD_HASH = "$2b$10$QdtuBWAK0DY2RxqO7XZL3.t/KSzEDpsa.DSIzFKMEg/npnx9z0h3m";

/** Spend the time of one bcrypt verification without any account (timing equalisation). */
export async function dummyVerify(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_PASSWORD_HASH);
}
