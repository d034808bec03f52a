/**
 * The message centre (消息中心): a user's messages (`messages`), newest first, unread until marked read.
 * Every read and write is scoped to one user: nobody can list, count or mark another user's messages.
 * Notifications (`notifications.ts`) write them with {@link addMessage}.
 * @module
 */
import type { Queryable, Tx } from "../../db/tx.ts";

/** Messages per page of the message centre. */
export const MESSAGES_PAGE_SIZE = 20;
/** The largest page {@link listMessages} returns, whatever the caller asks. */
export const MAX_MESSAGES_PAGE_SIZE = 100;
/** The largest offset {@link listMessages} accepts (deeper pages are empty). */
export const MAX_MESSAGES_OFFSET = 1_000_000;

/** One message as the pages show it. */
export interface Message {
  id: string;
  title: string;
  body: string;
  /** `null` while unread. */
  readAt: Date | null;
  createdAt: Date;
}

/** How many messages a user has, and how many of them are unread (`bigint`, as Postgres counts). */
export interface MessageCounts {
  total: bigint;
  unread: bigint;
}

/** A message to write into a user's message centre. */
export interface NewMessage {
  userId: string;
  /** What it is about, e.g. `welcome` (1–50 characters). */
  kind: string;
  title: string;
  body: string;
  /** Makes the write idempotent: a second message with the same key is not written. */
  dedupeKey: string;
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/**
 * A user's messages, newest first (ties by id), `limit` at a time (1–{@link MAX_MESSAGES_PAGE_SIZE},
 * default {@link MESSAGES_PAGE_SIZE}) after skipping `offset` (0–{@link MAX_MESSAGES_OFFSET}). Out-of-range
 * values are clamped.
 */
export async function listMessages(
  sql: Queryable,
  userId: string,
  page: { limit?: number; offset?: number } = {},
): Promise<Message[]> {
  const limit = clampInt(page.limit ?? MESSAGES_PAGE_SIZE, 1, MAX_MESSAGES_PAGE_SIZE);
  const offset = clampInt(page.offset ?? 0, 0, MAX_MESSAGES_OFFSET);
  return await sql<Message[]>`
    select id, title, body, read_at as "readAt", created_at as "createdAt" from messages
    where user_id = ${userId}
    order by created_at desc, id desc
    limit ${limit} offset ${offset}`;
}

/** How many messages the user has and how many are unread (one query). */
export async function countMessages(sql: Queryable, userId: string): Promise<MessageCounts> {
  const [row] = await sql<MessageCounts[]>`
    select count(*) as total, count(*) filter (where read_at is null) as unread
    from messages where user_id = ${userId}`;
  return row;
}

/** How many of the user's messages are unread (uses the partial index on unread messages). */
export async function countUnreadMessages(sql: Queryable, userId: string): Promise<bigint> {
  const [row] = await sql<{ unread: bigint }[]>`
    select count(*) as unread from messages where user_id = ${userId} and read_at is null`;
  return row.unread;
}

/**
 * Mark every unread message of the user read (at `now`, default the database's time). Touches only that
 * user's messages; messages already read keep their first read time. Returns how many were marked.
 */
export async function markAllMessagesRead(sql: Queryable, userId: string, now?: Date): Promise<number> {
  const result = await sql`
    update messages set read_at = coalesce(${now ?? null}::timestamptz, now())
    where user_id = ${userId} and read_at is null`;
  return result.count;
}

/**
 * Write a message into the user's message centre, at most once per `dedupeKey`. Returns the new id, or
 * `null` when a message with that key already exists.
 */
export async function addMessage(sql: Tx, message: NewMessage): Promise<string | null> {
  const [row] = await sql<{ id: string }[]>`
    insert into messages (user_id, kind, title, body, dedupe_key)
    values (${message.userId}, ${message.kind}, ${message.title}, ${message.body}, ${message.dedupeKey})
    on conflict (dedupe_key) do nothing
    returning id`;
  return row?.id ?? null;
}
