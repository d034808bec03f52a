/**
 * Mainland China mobile numbers: normalise what a person types (spaces, dashes, full-width digits, a
 * +86 / 0086 prefix) and validate against `1[3-9]` + 9 digits.
 */

/** The pattern of a normalised mainland mobile number. */
export const MAINLAND_MOBILE_PATTERN = /^1[3-9]\d{9}$/;

/** Chinese message for an invalid phone number. */
export const INVALID_PHONE_MESSAGE = "请输入正确的 11 位手机号码";

/**
 * Normalise a typed phone number to its 11 digits, or `null` when it is not a mainland mobile number.
 *
 * `"+86 138 1234 5678"`, `"0086-13812345678"`, `"１３８１２３４５６７８"` → `"13812345678"`.
 */
export function normalizePhone(input: string): string | null {
  let s = input.trim()
    // full-width digits and plus sign (Chinese IMEs)
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFF10 + 0x30))
    .replace(/\uFF0B/g, "+")
    .replace(/[\s\-()（）]/g, "");
  if (s.startsWith("+86")) s = s.slice(3);
  else if (s.startsWith("0086")) s = s.slice(4);
  else if (s.length === 13 && s.startsWith("86")) s = s.slice(2);
  return MAINLAND_MOBILE_PATTERN.test(s) ? s : null;
}

/** Whether the input is (after normalisation) a mainland mobile number. */
export function isValidPhone(input: string): boolean {
  return normalizePhone(input) !== null;
}
