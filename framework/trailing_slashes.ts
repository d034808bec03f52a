/**
 * `trailingSlashes()`: one canonical form for URLs with and without a final slash (Fresh's middleware).
 * @module
 */
import type { Context, Middleware } from "./types.ts";

/**
 * Redirects (302, through `ctx.redirect`, so never off-site) every path but `/` to its form with a
 * trailing slash (`"always"`) or without one (`"never"`), keeping the query string. Without it, as
 * in Fresh, `/about/` is simply another path than `/about`.
 *
 * ```ts
 * app.use(trailingSlashes("never"));
 * ```
 */
export function trailingSlashes<State = unknown>(mode: "always" | "never"): Middleware<State> {
  return function trailingSlashesMiddleware(ctx: Context<State>) {
    const { pathname, search } = ctx.url;
    if (pathname !== "/") {
      if (mode === "always" && !pathname.endsWith("/")) return ctx.redirect(`${pathname}/${search}`);
      if (mode === "never" && pathname.endsWith("/")) {
        return ctx.redirect(`${pathname.slice(0, -1)}${search}`);
      }
    }
    return ctx.next();
  };
}
