/**
 * The sandbox gateways' record: every SMS and e-mail a sandbox "sends" is a row in `sandbox_messages`
 * (with the full recipient and text — which is why sandboxes are refused in production unless explicitly
 * allowed, and why rows expire). The demo page 沙箱消息 (`/dev/sandbox`) lists them so a developer can read
 * a verification code.
 * @module
 */
import { type BatchLimits, deleteInBatches } from "../db/batches.ts";
import type { Db } from "../db/tx.ts";
import type { SandboxMessage, SandboxMessageLog } from "../domain/gateways/mod.ts";
import { purgeSandboxCallbacks } from "./sandbox_callbacks.ts";

/** Largest page {@link createSandboxMessageLog}'s `list` returns. */
export const SANDBOX_LIST_MAX_LIMIT = 200;
/** How long a sandbox row is kept (full phone numbers and codes must not pile up). */
export const SANDBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/** A message as a sandbox gateway records it. */
export interface SandboxSend {
  channel: "sms" | "email";
  recipient: string;
  subject: string | null;
  body: string;
  /** The caller's idempotency key: a second send with the same key records nothing. */
  idempotencyKey: string;
}

/**
 * What the sandbox gateways do once a message is valid: a send with a known idempotency key answers the
 * first send's id; otherwise, at most `maxPerHour` messages per channel and recipient in the last hour
 * (like a provider's frequency cap), then the message is recorded. One statement at a time on `db` (the
 * sandbox is an outside system: it never joins the caller's transaction).
 */
export async function recordSandboxSend(
  db: Db,
  message: SandboxSend,
  maxPerHour: number,
): Promise<{ ok: true; providerId: string } | { ok: false; code: "rate_limited" }> {
  const [existing] = await db<{ id: string }[]>`
    select id from sandbox_messages where dedupe_key = ${message.idempotencyKey}`;
  if (existing) return { ok: true, providerId: `sandbox-${existing.id}` };
  const [{ sent }] = await db<{ sent: bigint }[]>`
    select count(*) as sent from sandbox_messages
    where channel = ${message.channel} and recipient = ${message.recipient}
      and created_at > now() - interval '1 hour'`;
  if (BigInt(sent) >= BigInt(maxPerHour)) return { ok: false, code: "rate_limited" };
  const expiresAt = new Date(Date.now() + SANDBOX_RETENTION_SECONDS * 1000);
  const [row] = await db<{ id: string }[]>`
    insert into sandbox_messages (channel, recipient, subject, body, dedupe_key, expires_at)
    values (${message.channel}, ${message.recipient}, ${message.subject}, ${message.body},
            ${message.idempotencyKey}, ${expiresAt})
    on conflict (dedupe_key) do nothing
    returning id`;
  if (row) return { ok: true, providerId: `sandbox-${row.id}` };
  const [raced] = await db<{ id: string }[]>`
    select id from sandbox_messages where dedupe_key = ${message.idempotencyKey}`;
  return { ok: true, providerId: `sandbox-${raced.id}` };
}

/** The reader of the sandbox record (newest first, ties by id). */
export function createSandboxMessageLog(db: Db): SandboxMessageLog {
  return {
    async list(options = {}): Promise<SandboxMessage[]> {
      const limit = Math.min(SANDBOX_LIST_MAX_LIMIT, Math.max(1, Math.trunc(options.limit ?? 50)));
      const channel = options.channel ?? null;
      const recipient = options.recipient ?? null;
      return await db<SandboxMessage[]>`
        select id, channel, recipient, subject, body, created_at as "createdAt"
        from sandbox_messages
        where (${channel}::text is null or channel = ${channel}::text)
          and (${recipient}::text is null or recipient = ${recipient}::text)
        order by created_at desc, id desc
        limit ${limit}`;
    },
    purgeExpired: (now) => purgeSandboxMessages(db, now),
    purgeCallbacks: (now) => purgeSandboxCallbacks(db, now),
  };
}

/** Delete sandbox rows past their `expires_at`, in bounded batches (the daily purge job). */
export function purgeSandboxMessages(db: Db, now: Date = new Date(), limits?: BatchLimits): Promise<number> {
  return deleteInBatches(
    (limit) =>
      db`delete from sandbox_messages where id in (
           select id from sandbox_messages where expires_at < ${now} limit ${limit})`,
    limits,
  );
}
