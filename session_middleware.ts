/**
 * Sessions, loaded once per request by the app (main.ts) before the CSRF check, which binds its token to
 * them: `ctx.state.user` and `sessionId` from the user cookie (`sid` / `__Host-sid`), `ctx.state.staff`
 * and `staffSessionId` from the staff cookie (`staff_sid` / `__Host-staff_sid`).
 *
 * An unknown or expired session id clears its cookie — unless the response sets that cookie itself: a
 * log-in or registration posted while the browser still carries a dead session id gets its new session
 * cookie and nothing after it, so it is never logged straight out again.
 * @module
 */
import {
  clearSessionCookie,
  loadStaffForSession,
  loadUserForSession,
  sessionCookieName,
} from "./domain/accounts/session.ts";
import type { Context } from "./framework/mod.ts";
import { define, getCookie, secureCookies, type State } from "./utils.ts";

/** The name and value of each cookie a response sets (a cleared cookie has the value `""`). */
export function cookiesSetBy(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";", 1)[0];
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const value = pair.slice(eq + 1).trim();
    const cleared = /;\s*max-age=0\s*(;|$)/i.test(line) || value === "";
    out.set(pair.slice(0, eq).trim(), cleared ? "" : value);
  }
  return out;
}

/**
 * What the CSRF token is bound to: the request's live session ids (user and staff), or — given the
 * response — what the browser will hold after it (a session cookie set or cleared by the handler counts).
 * `null` without any session.
 */
export function sessionBinding(ctx: Context<State>, res?: Response): string | null {
  let user = ctx.state.sessionId ?? null;
  let staff = ctx.state.staffSessionId ?? null;
  if (res) {
    const secure = secureCookies(ctx.state, ctx.url);
    const set = cookiesSetBy(res);
    const u = set.get(sessionCookieName("user", secure));
    const s = set.get(sessionCookieName("staff", secure));
    if (u !== undefined) user = u || null;
    if (s !== undefined) staff = s || null;
  }
  return user === null && staff === null ? null : `user:${user ?? ""} staff:${staff ?? ""}`;
}

/** The middleware: load both sessions, clear the cookie of a dead one (unless the response sets it). */
export const sessions = define.middleware(async (ctx) => {
  const secure = secureCookies(ctx.state, ctx.url);
  const dead: string[] = [];
  const userCookie = sessionCookieName("user", secure);
  const userSid = getCookie(ctx.req, userCookie);
  if (userSid) {
    ctx.state.user = await loadUserForSession(ctx.state.sql, userSid, ctx.state.pii);
    if (ctx.state.user) ctx.state.sessionId = userSid;
    else dead.push(userCookie);
  }
  const staffCookie = sessionCookieName("staff", secure);
  const staffSid = getCookie(ctx.req, staffCookie);
  if (staffSid) {
    // checked everywhere (the CSRF token is bound to it), but only back-office requests count as activity
    const admin = ctx.url.pathname === "/admin" || ctx.url.pathname.startsWith("/admin/");
    ctx.state.staff = await loadStaffForSession(ctx.state.sql, staffSid, { touch: admin });
    if (ctx.state.staff) ctx.state.staffSessionId = staffSid;
    else dead.push(staffCookie);
  }
  const res = await ctx.next();
  if (dead.length === 0) return res;
  const alreadySet = cookiesSetBy(res);
  const clear = dead.filter((name) => !alreadySet.has(name));
  if (clear.length === 0) return res;
  const out = new Response(res.body, res);
  for (const name of clear) out.headers.append("set-cookie", clearSessionCookie(name, { secure }));
  return out;
});
