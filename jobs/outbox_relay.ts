/**
 * The outbox relay: claims due `outbox_events` with a lease, delivers each through its topic's handler —
 * outside any transaction — and marks it `done`, schedules a retry, or gives up (`dead`, `expired`).
 *
 * It runs two ways (see `jobs/mod.ts`): woken through the KV queue right after a commit that published
 * events (message `outbox_deliver` with their ids), and as a catch-up poll every few seconds for events
 * whose wake-up was lost (a crash between commit and enqueue) or whose retry time has come. Several
 * relays — two processes, the wake-up and the poll at once — may run together: a claim is one statement
 * (`for update skip locked` + a lease token), so each event is held by one relay at a time; a relay that
 * dies mid-delivery leaves a lease that expires, and the next relay delivers again with the same
 * idempotency key (`outbox:<id>`), which the gateways answer without sending twice.
 * @module
 */
import { z } from "zod";
import type { OutboxJson, SecretBox } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import { errorText, logJob } from "./deps.ts";
import type { ForegroundGauge } from "./foreground.ts";
import { DEFAULT_BACKOFF_MS, defineQueueHandler, enqueue, type QueueHandler } from "./queue.ts";

/** Events claimed per round. */
export const RELAY_BATCH_SIZE = 50;
/** Rounds per call of {@link OutboxRelay.deliver} (so one call delivers at most 2,500 events). */
export const RELAY_MAX_ROUNDS = 50;
/** How long a claim holds an event; a relay that dies releases it after this. */
export const RELAY_LEASE_MS = 60_000;
/** Delays before the 2nd, 3rd, … attempt; after the last, the event is `dead`. */
export const RELAY_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
/** Attempts in all. */
export const RELAY_MAX_ATTEMPTS = RELAY_BACKOFF_MS.length + 1;
/** Most ids one wake-up message carries. */
export const RELAY_WAKE_MAX_IDS = 1000;

/** An event as a handler receives it (the secret decrypted). */
export interface ClaimedEvent {
  id: string;
  topic: string;
  payload: { [key: string]: OutboxJson };
  secret: { [key: string]: OutboxJson } | null;
  dedupeKey: string | null;
  /** 1 on the first attempt. */
  attempt: number;
  /** The key a gateway must deduplicate on. */
  idempotencyKey: string;
}

/**
 * What a handler answers: delivered, or not — `retry: true` for a failure that may pass (provider down,
 * rate limit), `false` for one no retry can fix (invalid recipient, malformed event).
 */
export type DeliveryOutcome = { ok: true } | { ok: false; retry: boolean; error: string };

/** Delivers the events of one topic. A handler that throws counts as a retryable failure. */
export interface TopicHandler {
  topic: string;
  deliver(event: ClaimedEvent): Promise<DeliveryOutcome>;
}

/** What one {@link OutboxRelay.deliver} call did. */
export interface RelayReport {
  claimed: number;
  done: number;
  retried: number;
  dead: number;
  expired: number;
}

/** The relay. */
export interface OutboxRelay {
  /**
   * Deliver due events — only `ids` when given (a wake-up), else any (the poll) — in rounds of
   * {@link RELAY_BATCH_SIZE} until none is due or {@link RELAY_MAX_ROUNDS} rounds have run.
   */
  deliver(options?: { ids?: readonly string[] }): Promise<RelayReport>;
}

interface ClaimedRow {
  id: string;
  topic: string;
  payload: { [key: string]: OutboxJson };
  secret: Uint8Array | null;
  dedupeKey: string | null;
  attempts: number;
  expiresAt: Date | null;
}

/** Build a relay over `db` with the given topic handlers. */
export function createOutboxRelay(
  deps: {
    db: Db;
    box: SecretBox;
    now?: () => Date;
    leaseMs?: number;
    /** Each round first waits for a lull in the process's requests (see jobs/foreground.ts). */
    foreground?: ForegroundGauge;
  },
  handlers: readonly TopicHandler[],
): OutboxRelay {
  const byTopic = new Map<string, TopicHandler>();
  for (const h of handlers) {
    if (byTopic.has(h.topic)) throw new Error(`duplicate outbox handler for topic ${h.topic}`);
    byTopic.set(h.topic, h);
  }
  const { db } = deps;
  const clock = deps.now ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? RELAY_LEASE_MS;

  async function claim(ids: readonly string[] | null, token: string): Promise<ClaimedRow[]> {
    const now = clock();
    const until = new Date(now.getTime() + leaseMs);
    const only = ids === null ? null : [...ids];
    return await db<ClaimedRow[]>`
      with due as (
        select id from outbox_events
        where status = 'pending' and available_at <= ${now}
          and (claimed_until is null or claimed_until < ${now})
          and (${only}::bigint[] is null or id = any(${only}::bigint[]))
        order by id
        limit ${RELAY_BATCH_SIZE}
        for update skip locked
      )
      update outbox_events e
        set claimed_until = ${until}, claim_token = ${token}, attempts = e.attempts + 1
      from due where e.id = due.id
      returning e.id, e.topic, e.payload, e.secret, e.dedupe_key as "dedupeKey", e.attempts,
                e.expires_at as "expiresAt"`;
  }

  /** Finish an event this relay still holds (the token guards against a lease taken over meanwhile). */
  async function finish(id: string, token: string, status: "done" | "dead" | "expired", error?: string) {
    await db`
      update outbox_events
        set status = ${status}, finished_at = ${clock()}, secret = null, claimed_until = null,
            claim_token = null, last_error = ${error?.slice(0, 2000) ?? null}
      where id = ${id} and claim_token = ${token}`;
  }

  async function retryLater(id: string, token: string, attempts: number, error: string) {
    const delay = RELAY_BACKOFF_MS[Math.min(attempts, RELAY_BACKOFF_MS.length) - 1];
    await db`
      update outbox_events
        set available_at = ${new Date(clock().getTime() + delay)}, claimed_until = null, claim_token = null,
            last_error = ${error.slice(0, 2000)}
      where id = ${id} and claim_token = ${token}`;
  }

  async function deliverOne(row: ClaimedRow, token: string, report: RelayReport): Promise<void> {
    const fail = async (retry: boolean, error: string) => {
      if (retry && row.attempts < RELAY_MAX_ATTEMPTS) {
        await retryLater(row.id, token, row.attempts, error);
        report.retried++;
        logJob("warn", "outbox_retry", { id: row.id, topic: row.topic, attempt: row.attempts, error });
      } else {
        await finish(row.id, token, "dead", error);
        report.dead++;
        logJob("error", "outbox_dead", { id: row.id, topic: row.topic, attempts: row.attempts, error });
      }
    };
    if (row.expiresAt && row.expiresAt.getTime() <= clock().getTime()) {
      await finish(row.id, token, "expired");
      report.expired++;
      return;
    }
    const handler = byTopic.get(row.topic);
    if (!handler) return await fail(false, `no handler for topic ${row.topic}`);
    let outcome: DeliveryOutcome;
    try {
      const secret = row.secret ? JSON.parse(await deps.box.decrypt(row.secret)) : null;
      outcome = await handler.deliver({
        id: row.id,
        topic: row.topic,
        payload: row.payload,
        secret,
        dedupeKey: row.dedupeKey,
        attempt: row.attempts,
        idempotencyKey: `outbox:${row.id}`,
      });
    } catch (error) {
      outcome = { ok: false, retry: true, error: errorText(error) };
    }
    if (outcome.ok) {
      await finish(row.id, token, "done");
      report.done++;
    } else {
      await fail(outcome.retry, outcome.error);
    }
  }

  return {
    async deliver(options = {}) {
      const report: RelayReport = { claimed: 0, done: 0, retried: 0, dead: 0, expired: 0 };
      const ids = options.ids ? options.ids.slice(0, RELAY_WAKE_MAX_IDS) : null;
      if (ids !== null && ids.length === 0) return report;
      for (let round = 0; round < RELAY_MAX_ROUNDS; round++) {
        if (deps.foreground) await deps.foreground.quiet();
        const token = crypto.randomUUID();
        const rows = await claim(ids, token);
        report.claimed += rows.length;
        for (const row of rows) await deliverOne(row, token, report);
        if (rows.length < RELAY_BATCH_SIZE) break;
      }
      return report;
    },
  };
}

/** KV message type that wakes the relay for events just committed. */
export const OUTBOX_WAKE_TYPE = "outbox_deliver";

const idSchema = z.string().regex(/^[1-9]\d{0,18}$/);
const wakeSchema = z.object({ ids: z.array(idSchema).min(1).max(RELAY_WAKE_MAX_IDS) });
/** The wake-up message: its type, schema and retry schedule (the handler is built per relay). */
const WAKE_MESSAGE = { type: OUTBOX_WAKE_TYPE, schema: wakeSchema, backoffMs: DEFAULT_BACKOFF_MS };

/** How long a wake-up message may be on its way before another is sent for the ids gathered meanwhile. */
export const WAKE_COALESCE_MAX_MS = 1_000;
/** Most ids gathered for the next wake-up (past it the catch-up poll finds the rest). */
export const WAKE_PENDING_MAX_IDS = 20_000;

/**
 * Wakes the relay of this process through the KV queue for events just committed — one message at a time:
 * while a message is on its way (enqueued, not yet handled here), the ids of later commits join it
 * instead of each commit writing its own message (a funding rush commits hundreds of bids a second; one
 * message per bid costs four KV writes and a relay call each). The handler {@link take}s them all.
 */
export interface OutboxWaker {
  /** For the outbox's `wake` option: `ids` committed just now. */
  wake(ids: readonly string[]): Promise<void>;
  /** The ids to deliver for a received message: its own and every id gathered since (cleared). */
  take(messageIds: readonly string[]): string[];
  /** Ids taken but not delivered (the delivery failed): gathered again for the message's redelivery. */
  putBack(ids: readonly string[]): void;
}

/**
 * A waker over `kv`. If a message is not handled here within {@link WAKE_COALESCE_MAX_MS} (another process
 * sharing the KV store took it, or it was lost), the next commit sends a new one carrying every gathered
 * id; ids beyond {@link WAKE_PENDING_MAX_IDS} are left to the catch-up poll.
 */
export function createOutboxWaker(kv: Deno.Kv, now: () => number = Date.now): OutboxWaker {
  let pending = new Set<string>();
  /** When the message on its way was sent (ms), or null. */
  let sentAtMs: number | null = null;
  return {
    async wake(ids) {
      for (const id of ids) {
        if (pending.size >= WAKE_PENDING_MAX_IDS) break;
        pending.add(id);
      }
      if (sentAtMs !== null && now() - sentAtMs < WAKE_COALESCE_MAX_MS) return;
      sentAtMs = now();
      const carried = [...pending].slice(0, RELAY_WAKE_MAX_IDS);
      try {
        await enqueue(kv, WAKE_MESSAGE, { ids: carried }, {
          dedupeKey: `outbox:${carried[0]}+${carried.length}`,
        });
      } catch (error) {
        sentAtMs = null;
        throw error;
      }
    },
    take(messageIds) {
      sentAtMs = null;
      const all = new Set(messageIds);
      for (const id of pending) all.add(id);
      pending = new Set();
      return [...all];
    },
    putBack(ids) {
      for (const id of ids) {
        if (pending.size >= WAKE_PENDING_MAX_IDS) break;
        pending.add(id);
      }
    },
  };
}

const wakers = new WeakMap<Deno.Kv, OutboxWaker>();

/**
 * The one {@link OutboxWaker} of this process for `kv`: every outbox writing to a KV store shares it, so
 * whichever consumer of that store receives the message takes every id gathered.
 */
export function outboxWakerFor(kv: Deno.Kv): OutboxWaker {
  let waker = wakers.get(kv);
  if (!waker) wakers.set(kv, waker = createOutboxWaker(kv));
  return waker;
}

/**
 * The KV queue handler for wake-ups: deliver exactly the events named (those still due) — with a
 * `waker`, also every id it gathered since its message was sent.
 */
export function outboxWakeHandler(relay: OutboxRelay, waker?: OutboxWaker): QueueHandler {
  return defineQueueHandler({
    ...WAKE_MESSAGE,
    async handle(_ctx, { ids }) {
      const all = waker ? waker.take(ids) : ids;
      try {
        for (let i = 0; i < all.length; i += RELAY_WAKE_MAX_IDS) {
          await relay.deliver({ ids: all.slice(i, i + RELAY_WAKE_MAX_IDS) });
        }
      } catch (error) {
        // KV redelivers this message after its back-off; the ids it gathered go with it again
        waker?.putBack(all);
        throw error;
      }
    },
  }) as QueueHandler;
}

/** Default catch-up poll interval. */
export const RELAY_POLL_MS = 5_000;

/**
 * Run `relay.deliver()` every `intervalMs` until `signal` aborts; a round never overlaps the previous one,
 * and a failing round is logged and retried at the next tick.
 */
export function startOutboxPoll(
  relay: OutboxRelay,
  options: { intervalMs?: number; signal: AbortSignal },
): void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const report = await relay.deliver();
      if (report.claimed > 0) logJob("info", "outbox_poll", { ...report });
    } catch (error) {
      logJob("error", "outbox_poll_failed", { error: errorText(error) });
    } finally {
      running = false;
    }
  }, options.intervalMs ?? RELAY_POLL_MS);
  options.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
