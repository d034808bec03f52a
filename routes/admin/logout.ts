/**
 * `POST /admin/logout` — ends the staff session server-side (audited as `staff.logout`), deletes the
 * cookie and returns to the log-in page.
 */
import { clearSessionCookie, sessionCookieName } from "../../domain/accounts/session.ts";
import { logoutStaff } from "../../domain/staff/staff.ts";
import { define, getCookie, secureCookies } from "../../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const secure = secureCookies(ctx.state, ctx.url);
    const cookieName = sessionCookieName("staff", secure);
    const sid = getCookie(ctx.req, cookieName);
    const staff = ctx.state.staff;
    const { ended } = await logoutStaff(ctx.state.sql, { rawSessionId: sid, staff, ip: ctx.state.clientIp });
    if (ended && staff) ctx.state.securityLog.emit("logout", { subject: "staff", staffId: staff.id });
    const res = ctx.redirect("/admin/login", 303);
    res.headers.append("set-cookie", clearSessionCookie(cookieName, { secure }));
    return res;
  },
});
