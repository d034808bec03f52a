/**
 * Every `/borrow` page needs a signed-in user: others are sent to `/login?next=<this page>`. Borrowing
 * pages show personal data and documents, so they are never cached.
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
  out.headers.set("cache-control", "no-store");
  return out;
});
