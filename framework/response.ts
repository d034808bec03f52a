/**
 * Small response helpers shared by the middleware.
 * @module
 */

/** Returns `res` if its headers can be changed, else a copy whose headers can. */
export function mutable(res: Response): Response {
  try {
    res.headers.set("x-frsh-probe", "1");
    res.headers.delete("x-frsh-probe");
    return res;
  } catch {
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The text bodies of responses the layer built from a string (rendered pages, `ctx.json`). */
const textBodies = new WeakMap<Response, string>();

/** A response with a string body whose text is remembered, so `compression()` need not read the body back. */
export function textResponse(text: string, init: ResponseInit): Response {
  const res = new Response(text, init);
  textBodies.set(res, text);
  return res;
}

/** The remembered text body of `res` (built by {@link textResponse} and not yet consumed), or `null`. */
export function rememberedText(res: Response): string | null {
  const text = textBodies.get(res);
  return text !== undefined && !res.bodyUsed ? text : null;
}
