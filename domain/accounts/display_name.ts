/**
 * The name shown for a user who has not chosen one: 「用户」 and the last four digits of the phone.
 * @module
 */

/**
 * The user's chosen name, or 「用户1234」 from the last four digits of `phone` (full or masked —
 * `138****1234` ends with the same four digits).
 */
export function userDisplayName(chosen: string | null | undefined, phone: string): string {
  const name = chosen?.trim();
  return name ? name : `用户${phone.slice(-4)}`;
}
