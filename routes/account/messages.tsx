/**
 * `/account/messages` — 消息中心: my messages, newest first, 20 a page, unread highlighted; POST marks
 * them all read. Only the signed-in user's own messages are ever read or changed.
 * @module
 */
import { page } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { MessageItem } from "../../components/MessageList.tsx";
import {
  countMessages,
  listMessages,
  markAllMessagesRead,
  MESSAGES_PAGE_SIZE,
} from "../../domain/messaging/message.ts";
import { formatCount, pageCount } from "../../domain/shared/count.ts";
import { define } from "../../utils.ts";

/** Highest page number accepted. */
const MAX_PAGE = 10_000;

function pageNumber(url: URL): number {
  const n = Number(url.searchParams.get("page") ?? "1");
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? n : 1;
}

export const handler = define.handlers({
  async GET(ctx) {
    const userId = ctx.state.user!.id; // guaranteed by _middleware.ts
    ctx.state.title = "消息中心";
    const current = pageNumber(ctx.url);
    const [{ total, unread }, messages] = await Promise.all([
      countMessages(ctx.state.sql, userId),
      listMessages(ctx.state.sql, userId, {
        limit: MESSAGES_PAGE_SIZE,
        offset: (current - 1) * MESSAGES_PAGE_SIZE,
      }),
    ]);
    const pages = pageCount(total, MESSAGES_PAGE_SIZE);
    return page({
      messages,
      total,
      unread,
      current,
      pages,
      marked: ctx.url.searchParams.get("read") === "all",
    });
  },

  async POST(ctx) {
    const userId = ctx.state.user!.id;
    await markAllMessagesRead(ctx.state.sql, userId);
    return ctx.redirect("/account/messages?read=all", 303);
  },
});

/** The message centre. */
export default define.page<typeof handler>(({ data, state }) => (
  <>
    <p>
      <a href="/account">‹ 我的账户</a>
    </p>
    <h1>消息中心</h1>
    {data.marked && <p class="form-ok" role="status">已全部标为已读</p>}
    <div class="btn-row">
      <span class="muted">共 {formatCount(data.total)} 条，未读 {formatCount(data.unread)} 条</span>
      {data.unread > 0n && (
        <form method="post" action="/account/messages">
          <CsrfField token={state.csrfToken} />
          <button type="submit" class="btn btn-secondary">全部标为已读</button>
        </form>
      )}
    </div>
    {data.messages.length === 0
      ? (
        <p class="empty">
          {data.total === 0n ? "暂无消息。注册、账户安全等通知会显示在这里。" : "这一页没有消息。"}
        </p>
      )
      : (
        <ul class="message-list">
          {data.messages.map((m) => <MessageItem key={m.id} message={m} />)}
        </ul>
      )}
    {data.pages > 1 && (
      <nav class="pager" aria-label="分页">
        {data.current > 1 && <a href={`/account/messages?page=${data.current - 1}`}>上一页</a>}
        <span>
          第 {data.current} / {data.pages} 页
        </span>
        {data.current < data.pages && <a href={`/account/messages?page=${data.current + 1}`}>下一页</a>}
      </nav>
    )}
  </>
));
