/**
 * Loads the signed-in user (and, under /admin, the staff member) from the session cookies. An unknown or
 * expired session id clears its cookie.
 */
import {
  clearSessionCookie,
  loadStaffForSession,
  loadUserForSession,
  sessionCookieName,
} from "../domain/accounts/session.ts";
import { define, getCookie, secureCookies } from "../utils.ts";

export const handler = define.middleware(async (ctx) => {
  const secure = secureCookies(ctx.state, ctx.url);
  const clear: string[] = [];
  const userCookie = sessionCookieName("user", secure);
  const userSid = getCookie(ctx.req, userCookie);
  if (userSid) {
    ctx.state.user = await loadUserForSession(ctx.state.sql, userSid, ctx.state.pii);
    if (ctx.state.user) ctx.state.sessionId = userSid;
    else clear.push(clearSessionCookie(userCookie, { secure }));
  }
  if (ctx.url.pathname === "/admin" || ctx.url.pathname.startsWith("/admin/")) {
    const staffCookie = sessionCookieName("staff", secure);
    const staffSid = getCookie(ctx.req, staffCookie);
    if (staffSid) {
      ctx.state.staff = await loadStaffForSession(ctx.state.sql, staffSid);
      if (!ctx.state.staff) clear.push(clearSessionCookie(staffCookie, { secure }));
    }
  }
  const res = await ctx.next();
  if (clear.length === 0) return res;
  const out = new Response(res.body, res);
  for (const c of clear) out.headers.append("set-cookie", c);
  return out;
});
