/**
 * The sandbox outbox: every SMS and e-mail the sandbox gateways "send" is a row in `outbox`. The
 * development page `/dev/outbox` lists them so a developer can read a verification code.
 */
import type { Sql, TransactionSql } from "../db/connection.ts";

/** Outbox channels. */
export type OutboxChannel = "sms" | "email";

/** One sent (sandbox) message. */
export interface OutboxEntry {
  id: string;
  channel: OutboxChannel;
  recipient: string;
  subject: string | null;
  body: string;
  createdAt: Date;
}

/** Largest page {@link listOutbox} returns. */
export const OUTBOX_MAX_LIMIT = 200;

/**
 * Insert one outbox row and return its id; when `dedupeKey` is already present, insert nothing and
 * return the existing row's id. Used by the sandbox gateways.
 */
export async function insertOutbox(
  sql: Sql | TransactionSql,
  entry: {
    channel: OutboxChannel;
    recipient: string;
    subject: string | null;
    body: string;
    dedupeKey: string | null;
  },
): Promise<string> {
  const { channel, recipient, subject, body, dedupeKey } = entry;
  const [row] = await sql<{ id: string }[]>`
    insert into outbox (channel, recipient, subject, body, dedupe_key)
    values (${channel}, ${recipient}, ${subject}, ${body}, ${dedupeKey})
    on conflict (dedupe_key) do nothing
    returning id`;
  if (row) return row.id;
  const [existing] = await sql<{ id: string }[]>`select id from outbox where dedupe_key = ${dedupeKey}`;
  return existing.id;
}

/**
 * The newest outbox messages first (ties by id). `limit` is clamped to 1–{@link OUTBOX_MAX_LIMIT}
 * (default 50); `channel` and `recipient` filter.
 */
export async function listOutbox(
  sql: Sql | TransactionSql,
  options: { limit?: number; channel?: OutboxChannel; recipient?: string } = {},
): Promise<OutboxEntry[]> {
  const limit = Math.min(OUTBOX_MAX_LIMIT, Math.max(1, Math.trunc(options.limit ?? 50)));
  const channel = options.channel ?? null;
  const recipient = options.recipient ?? null;
  return await sql<OutboxEntry[]>`
    select id, channel, recipient, subject, body, created_at as "createdAt"
    from outbox
    where (${channel}::text is null or channel = ${channel}::text)
      and (${recipient}::text is null or recipient = ${recipient}::text)
    order by created_at desc, id desc
    limit ${limit}`;
}
