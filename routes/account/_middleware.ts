/**
 * Every `/account` page needs a signed-in user: others are sent to `/login?next=<this page>`. Account
 * pages show personal data, so they are never cached (a route may say `private`: kept by the browser only).
 * @module
 */
import { define } from "../../utils.ts";

export const handler = define.middleware(async (ctx) => {
  if (!ctx.state.user) {
    const next = encodeURIComponent(ctx.url.pathname + ctx.url.search);
    return ctx.redirect(`/login?next=${next}`, 303);
  }
  const res = await ctx.next();
  const out = new Response(res.body, res);
  // a route may allow the browser alone to keep its answer (the avatar image: `private, …`)
  if (!/^private\b/.test(out.headers.get("cache-control") ?? "")) {
    out.headers.set("cache-control", "no-store");
  }
  return out;
});
