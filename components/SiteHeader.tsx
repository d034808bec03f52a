import { PLATFORM_NAME } from "../domain/shared/brand.ts";
import type { SessionUser } from "../utils.ts";
import { CsrfField } from "./Field.tsx";

/** The main navigation, shared by the header (desktop) and the bottom bar (phones). */
export const NAV_ITEMS = [
  { href: "/", label: "首页" },
  { href: "/loans", label: "出借" },
  { href: "/calculator", label: "计算器" },
  { href: "/disclosure", label: "信息披露" },
  { href: "/account", label: "我的" },
] as const;

function isCurrent(path: string, href: string): boolean {
  return href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
}

/** Site header with navigation and the log-in state. */
export function SiteHeader(
  props: { path: string; user: SessionUser | null; csrfToken: string; demo: boolean },
) {
  return (
    <>
      <a class="skip-link" href="#main">跳到正文</a>
      {props.demo && (
        <div class="demo-banner" role="note">
          演示环境：数据均为虚构，短信与邮件不会真实发送（<a href="/dev/sandbox">查看沙箱短信与邮件</a>）
        </div>
      )}
      <header class="site-header">
        <div class="container">
          <a class="logo" href="/">{PLATFORM_NAME}</a>
          <nav class="main-nav" aria-label="主导航">
            {NAV_ITEMS.map((item) => (
              <a href={item.href} aria-current={isCurrent(props.path, item.href) ? "page" : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
          <div class="account-nav">
            {props.user
              ? (
                <>
                  <a href="/account">{props.user.phoneMasked}</a>
                  <form method="post" action="/logout">
                    <CsrfField token={props.csrfToken} />
                    <button class="link-button" type="submit">退出</button>
                  </form>
                </>
              )
              : (
                <>
                  <a href="/login">登录</a>
                  <a class="btn" href="/register">注册</a>
                </>
              )}
          </div>
        </div>
      </header>
    </>
  );
}

/** Bottom navigation for phones. */
export function BottomNav({ path }: { path: string }) {
  return (
    <nav class="bottom-nav" aria-label="底部导航">
      {NAV_ITEMS.map((item) => (
        <a href={item.href} aria-current={isCurrent(path, item.href) ? "page" : undefined}>{item.label}</a>
      ))}
    </nav>
  );
}
