import type { ComponentChildren } from "preact";
import { PLATFORM_NAME } from "../domain/shared/brand.ts";
import type { MenuCounts } from "../domain/admin/menu_counts.ts";
import { formatCount } from "../domain/shared/count.ts";
import { type AdminMenuItem, isStaffRole, ROLE_LABELS } from "../domain/staff/permissions.ts";
import type { SessionStaff } from "../utils.ts";
import { CsrfField } from "./Field.tsx";

function isCurrent(path: string, href: string): boolean {
  const p = path.replace(/\/+$/, "") || "/";
  return href === "/admin" ? p === "/admin" : p === href || p.startsWith(`${href}/`);
}

/** The Chinese label of a staff role (the raw role when unknown). */
export function roleLabel(role: string): string {
  return isStaffRole(role) ? ROLE_LABELS[role] : role;
}

/**
 * The waiting items of an entry's queues, beside its label: only counts above zero; the number alone, or
 * with a one-character prefix (审/放, 逾/核) when the entry shows two; the full meaning for screen readers
 * and as the tooltip.
 */
function MenuQueueCounts(props: { item: AdminMenuItem; counts: MenuCounts }) {
  const shown = props.item.queues.flatMap((q) => {
    const n = props.counts[q.queue] ?? 0n;
    return n > 0n ? [{ ...q, n }] : [];
  });
  if (shown.length === 0) return null;
  return (
    <span class="menu-counts">
      {shown.map((q) => (
        <span
          class="badge badge-warn menu-count"
          data-queue={q.queue}
          title={`${q.title} ${formatCount(q.n)}`}
        >
          <span class="visually-hidden">{q.title}</span>
          {shown.length > 1 && <span aria-hidden="true">{q.short}</span>}
          {formatCount(q.n)}
        </span>
      ))}
    </span>
  );
}

/**
 * The staff back office chrome: a dark top bar (platform name + 管理后台, who is signed in, 退出) and,
 * for a signed-in staff member, the menu of what their role may use (`menu`, with the waiting items of
 * its queues, `counts`), then the page.
 */
export function AdminShell(
  props: {
    staff: SessionStaff | null;
    menu: readonly AdminMenuItem[];
    counts: MenuCounts;
    path: string;
    csrfToken: string;
    children: ComponentChildren;
  },
) {
  const { staff } = props;
  return (
    <div class="admin-shell">
      <a class="skip-link" href="#main">跳到正文</a>
      <header class="admin-top">
        <div class="container admin-top-bar">
          <a class="admin-brand" href="/admin">{PLATFORM_NAME} · 管理后台</a>
          {staff && (
            <div class="admin-who">
              <span class="admin-staff-name">{staff.displayName}</span>
              <span class="badge admin-role">{roleLabel(staff.role)}</span>
              <a href="/admin/security">两步验证</a>
              <form method="post" action="/admin/logout">
                <CsrfField token={props.csrfToken} />
                <button class="link-button" type="submit">退出</button>
              </form>
            </div>
          )}
        </div>
      </header>
      <div class={staff ? "container admin-layout" : "container"}>
        {staff && (
          <nav class="admin-menu" aria-label="后台菜单">
            <ul>
              {props.menu.map((item) => (
                <li>
                  <a href={item.href} aria-current={isCurrent(props.path, item.href) ? "page" : undefined}>
                    {item.label}
                    <MenuQueueCounts item={item} counts={props.counts} />
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main id="main" class="admin-main">{props.children}</main>
      </div>
    </div>
  );
}

/** The 403 page content under /admin: the staff member is signed in but their role may not do this. */
export function AdminForbidden() {
  return (
    <section class="card admin-forbidden">
      <h1>无权访问</h1>
      <p>您的角色没有使用此页面的权限。如需开通，请联系超级管理员。</p>
      <p>
        <a href="/admin">返回概览</a>
      </p>
    </section>
  );
}
