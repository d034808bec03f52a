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
