/**
 * `domain/message.ts` against the database: newest first, owner isolation, page-size limits, counts,
 * mark-all-read touching only the owner's messages, and idempotent writes.
 */
import assert from "node:assert/strict";
import { transaction } from "../../../db/tx.ts";
import type { Db } from "../../../db/tx.ts";
import {
  addMessage,
  countMessages,
  countUnreadMessages,
  listMessages,
  markAllMessagesRead,
  MAX_MESSAGES_PAGE_SIZE,
  MESSAGES_PAGE_SIZE,
} from "../../../domain/messaging/message.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";

/**
 * Insert `count` messages titled `<prefix> 1` … `<prefix> count`, one minute apart (the last is the
 * newest), unread unless `readAt` is given.
 */
async function addMany(
  sql: Db,
  userId: string,
  count: number,
  prefix: string,
  readAt: Date | null = null,
): Promise<void> {
  const start = new Date(Date.now() - (count + 1) * 60_000);
  const key = crypto.randomUUID();
  await sql`
    insert into messages (user_id, kind, title, body, read_at, created_at, dedupe_key)
    select ${userId}, 'generic', ${prefix} || ' ' || i, '正文 ' || i, ${readAt}::timestamptz,
           ${start}::timestamptz + i * interval '1 minute', ${key} || ':' || i
    from generate_series(1, ${count}::int) as i`;
}

dbTest("message: listMessages is newest first and shows only the owner's messages", async (sql) => {
  const me = await createUser(sql);
  const other = await createUser(sql);
  await addMany(sql, me.userId, 3, "我的");
  await addMany(sql, other.userId, 2, "别人的");

  const mine = await listMessages(sql, me.userId);
  assert.deepEqual(mine.map((m) => m.title), ["我的 3", "我的 2", "我的 1"]);
  for (const m of mine) {
    assert.equal(typeof m.id, "string");
    assert.ok(m.createdAt instanceof Date);
    assert.equal(m.readAt, null);
  }
  assert.deepEqual((await listMessages(sql, other.userId)).map((m) => m.title), ["别人的 2", "别人的 1"]);
  const stranger = await createUser(sql);
  assert.equal((await listMessages(sql, stranger.userId)).length, 0);
  assert.deepEqual(await countMessages(sql, stranger.userId), { total: 0n, unread: 0n });
});

dbTest("message: pages are bounded (default 20, at most 100) and never overlap", async (sql) => {
  const me = await createUser(sql);
  await addMany(sql, me.userId, MAX_MESSAGES_PAGE_SIZE + 5, "消息");

  assert.equal((await listMessages(sql, me.userId)).length, MESSAGES_PAGE_SIZE);
  assert.equal(
    (await listMessages(sql, me.userId, { limit: 10_000 })).length,
    MAX_MESSAGES_PAGE_SIZE,
    "a huge limit is cut to the maximum",
  );
  assert.equal((await listMessages(sql, me.userId, { limit: 0 })).length, 1, "at least one");
  assert.equal((await listMessages(sql, me.userId, { limit: Number.NaN })).length, 1);

  const first = await listMessages(sql, me.userId, { limit: 20, offset: 0 });
  const second = await listMessages(sql, me.userId, { limit: 20, offset: 20 });
  assert.equal(first.at(-1)!.title, "消息 86");
  assert.equal(second[0].title, "消息 85");
  const ids = new Set([...first, ...second].map((m) => m.id));
  assert.equal(ids.size, 40, "no message on two pages");

  const last = await listMessages(sql, me.userId, { limit: 20, offset: 100 });
  assert.deepEqual(last.map((m) => m.title), ["消息 5", "消息 4", "消息 3", "消息 2", "消息 1"]);
  assert.equal((await listMessages(sql, me.userId, { offset: 1_000 })).length, 0, "past the end: empty");
  assert.deepEqual(
    (await listMessages(sql, me.userId, { limit: 2, offset: -5 })).map((m) => m.title),
    ["消息 105", "消息 104"],
    "a negative offset starts at the top",
  );
});

dbTest("message: counts and mark-all-read touch only the owner's messages", async (sql) => {
  const me = await createUser(sql);
  const other = await createUser(sql);
  const readEarlier = new Date("2026-01-02T03:04:05Z");
  await addMany(sql, me.userId, 2, "已读", readEarlier);
  await addMany(sql, me.userId, 4, "未读");
  await addMany(sql, other.userId, 3, "别人的");

  assert.deepEqual(await countMessages(sql, me.userId), { total: 6n, unread: 4n });
  assert.equal(await countUnreadMessages(sql, me.userId), 4n);
  assert.equal(await countUnreadMessages(sql, other.userId), 3n);

  const at = new Date("2026-11-27T06:05:00Z");
  assert.equal(await markAllMessagesRead(sql, me.userId, at), 4);
  assert.deepEqual(await countMessages(sql, me.userId), { total: 6n, unread: 0n });
  assert.equal(await countUnreadMessages(sql, other.userId), 3n, "another user's messages stay unread");
  for (const m of await listMessages(sql, me.userId)) {
    const expected = m.title.startsWith("已读") ? readEarlier : at;
    assert.equal(m.readAt?.getTime(), expected.getTime(), `${m.title}: first read time kept`);
  }
  assert.equal(await markAllMessagesRead(sql, me.userId), 0, "nothing left to mark");

  // without a time, the database's clock is used
  assert.equal(await markAllMessagesRead(sql, other.userId), 3);
  const [read] = await listMessages(sql, other.userId, { limit: 1 });
  assert.ok(read.readAt && Math.abs(read.readAt.getTime() - Date.now()) < 60_000);
});

dbTest("message: addMessage writes once per dedupe key", async (sql) => {
  const me = await createUser(sql);
  const dedupeKey = `test:${crypto.randomUUID()}`;
  const input = { userId: me.userId, kind: "generic", title: "公告", body: "内容", dedupeKey };
  const id = await transaction(sql, (tx) => addMessage(tx, input));
  assert.match(id ?? "", /^\d+$/);
  assert.equal(await transaction(sql, (tx) => addMessage(tx, { ...input, title: "又一次" })), null);
  const list = await listMessages(sql, me.userId);
  assert.deepEqual(list.map((m) => [m.id, m.title, m.body, m.readAt]), [[id, "公告", "内容", null]]);
});
