/**
 * 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters — the registering authority
 * (1), the kind of organisation (1), the region code (6 digits), the organisation code (9) and a check
 * character (1). The alphabet is the digits and the capital letters without I, O, S, V and Z (31 symbols);
 * the check character is `31 − (Σ value·weight mod 31)` (31 → `0`) over the first 17 characters with the
 * weights 3^i mod 31. Pure, so a browser bundle may use it.
 * @module
 */

/** The 31 symbols of the code, in value order. */
export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** The weight of each of the first 17 positions (3^i mod 31). */
export const CREDIT_CODE_WEIGHTS: readonly number[] = [
  1,
  3,
  9,
  27,
  19,
  26,
  16,
  17,
  20,
  29,
  25,
  13,
  8,
  24,
  10,
  30,
  28,
];

/** The shape: 18 symbols of the alphabet, positions 3–8 digits (the region). */
const CREDIT_CODE_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Normalise what a person typed: trimmed, inner spaces dropped, upper case, full-width turned ASCII. */
export function normalizeCreditCode(input: string): string {
  return input.trim()
    .replace(
      /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g,
      (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0),
    )
    .replace(/\s+/g, "")
    .toUpperCase();
}

/**
 * The check character of the first 17 characters of a code.
 *
 * @throws {RangeError} when `body17` is not 17 symbols of the alphabet.
 */
export function creditCodeCheckChar(body17: string): string {
  if (body17.length !== 17) throw new RangeError("a credit code body has 17 characters");
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(body17[i]);
    if (value < 0) throw new RangeError(`not a credit code character: ${body17[i]}`);
    sum += value * CREDIT_CODE_WEIGHTS[i];
  }
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CODE_ALPHABET[check];
}

/** Whether `code` (already normalised, see {@link normalizeCreditCode}) is a valid unified social credit code. */
export function isValidCreditCode(code: string): boolean {
  if (!CREDIT_CODE_SHAPE.test(code)) return false;
  return creditCodeCheckChar(code.slice(0, 17)) === code[17];
}
