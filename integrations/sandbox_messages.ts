/**
 * The sandbox outbox: every SMS and e-mail the sandbox gateways "send" is a row in `outbox`. The
 * development page `/dev/outbox` lists them so a developer can read a verification code.
 */
import type { Queryable } from "../db/tx.ts";

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
export async function insertOutbox(sql: Queryable, entry: SandboxSend): Promise<string> {
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

/** A message as a sandbox gateway records it. */
export interface SandboxSend {
  channel: OutboxChannel;
  recipient: string;
  subject: string | null;
  body: string;
  dedupeKey: string | null;
}

/**
 * What the sandbox gateways do once a message is valid: a send with a known `dedupeKey` answers the
 * first send's id; otherwise, at most `maxPerHour` messages per channel and recipient in the last hour
 * (like a provider's frequency cap), then the message is recorded in the outbox.
 */
export async function recordSandboxSend(
  sql: Queryable,
  message: SandboxSend,
  maxPerHour: number,
): Promise<{ ok: true; id: string } | { ok: false; code: "rate_limited" }> {
  if (message.dedupeKey !== null) {
    const [existing] = await sql<{ id: string }[]>`
      select id from outbox where dedupe_key = ${message.dedupeKey}`;
    if (existing) return { ok: true, id: existing.id };
  }
  const [{ sent }] = await sql<{ sent: number }[]>`
    select count(*)::int as sent from outbox
    where channel = ${message.channel} and recipient = ${message.recipient}
      and created_at > now() - interval '1 hour'`;
  if (sent >= maxPerHour) return { ok: false, code: "rate_limited" };
  return { ok: true, id: await insertOutbox(sql, message) };
}

/**
 * The newest outbox messages first (ties by id). `limit` is clamped to 1–{@link OUTBOX_MAX_LIMIT}
 * (default 50); `channel` and `recipient` filter.
 */
export async function listOutbox(
  sql: Queryable,
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
