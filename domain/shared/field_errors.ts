/**
 * Field-level errors: the shape every form and JSON API answers with (`{ phone: ["请输入手机号码"] }`),
 * and the one conversion from a zod error to it.
 * @module
 */
import type { z } from "zod";

/** Field name → Chinese messages, for the fields that failed. */
export type FieldErrors<F extends string = string> = Partial<Record<F, string[]>>;

/**
 * Group a zod error's messages by field (the first path segment; nested paths are joined with `.`),
 * keeping zod's order. Issues without a path go under `fallbackKey`. Type-only import of zod, so a
 * browser bundle using this module does not pull zod in.
 */
export function fieldErrorsFrom<F extends string = string>(
  error: z.ZodError,
  fallbackKey: F,
): Record<string, string[]> & FieldErrors<F> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : fallbackKey;
    (fields[key] ??= []).push(issue.message);
  }
  return fields as Record<string, string[]> & FieldErrors<F>;
}
