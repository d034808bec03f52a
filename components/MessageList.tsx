import type { Message } from "../domain/messaging/message.ts";
import { LocalTime } from "./LocalTime.tsx";

/** One message in a list: unread ones are highlighted and marked 未读; `compact` shows the title only. */
export function MessageItem({ message, compact = false }: { message: Message; compact?: boolean }) {
  const unread = message.readAt === null;
  return (
    <li class={unread ? "message unread" : "message"} data-message-id={message.id}>
      <div class="message-head">
        {unread && <span class="badge badge-warn">未读</span>}
        <strong class="message-title">{message.title}</strong>
        <span class="muted message-time">
          <LocalTime at={message.createdAt} withTime />
        </span>
      </div>
      {!compact && <p class="message-body">{message.body}</p>}
    </li>
  );
}
