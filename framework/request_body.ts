/**
 * `readForm()`: a submitted form, or an `HttpError` (415/400/413) instead of a crash on a hostile body.
 * @module
 */
import { HttpError } from "./http_error.ts";

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * Reads a form body. Throws `HttpError(415)` when the `Content-Type` is not a form type (e.g. JSON sent
 * to a form route), `HttpError(400)` when the body cannot be parsed (broken multipart), and passes on an
 * `HttpError` raised while reading (413 from `bodyLimit()`), so a handler never answers 500 for a bad body.
 */
export async function readForm(req: Request): Promise<FormData> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) {
    await req.body?.cancel().catch(() => {});
    throw new HttpError(415, "Expected a form body");
  }
  try {
    return await req.formData();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "Malformed form body", { cause: error });
  }
}
