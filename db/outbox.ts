/**
 * The transactional outbox (`outbox_events`): a command that causes a side effect outside Postgres — an
 * SMS, an e-mail, a notification, later a custody or payment instruction — writes it here with
 * {@link Outbox.publish}, in its own transaction, so the effect exists exactly when the change commits. A
 * relay (`jobs/outbox_relay.ts`) then claims due events with a lease, delivers them through the gateways
 * (never inside a transaction) and marks them finished. A crash between commit and delivery loses nothing:
 * the event stays `pending` until a relay — woken after the commit, or its catch-up poll — delivers it.
 *
 * Delivery is at-least-once at this level; gateways receive `outbox:<event id>` as their idempotency key,
 * so a redelivery after a crash sends nothing twice.
 * @module
 */
import { type BatchLimits, deleteInBatches } from "./batches.ts";
import { afterCommit, type Db, type Queryable, type Tx } from "./tx.ts";

/** JSON values an event carries. */
export type OutboxJson = string | number | boolean | null | OutboxJson[] | { [key: string]: OutboxJson };

/** What a command publishes. */
export interface OutboxEvent {
  /** Which handler delivers it, e.g. `sms.send`, `email.send`, `notification`. */
  topic: string;
  /** The part that may be stored in the clear (ids, kinds). */
  payload?: { [key: string]: OutboxJson };
  /** The sensitive part (phone numbers, addresses, texts with codes): stored encrypted, erased when done. */
  secret?: { [key: string]: OutboxJson };
  /** Publishing the same key again (e.g. on a retried command) writes nothing. */
  dedupeKey?: string;
  /** Not before this time (default: now). */
  availableAt?: Date;
  /** Not after this time: the event is marked `expired` instead of delivered late. */
  expiresAt?: Date;
}

/** Encrypts and decrypts the secret part (the PII cipher). */
export interface SecretBox {
  encrypt(plain: string): Promise<Uint8Array>;
  decrypt(cipherText: Uint8Array): Promise<string>;
}

/** Writes events into the caller's transaction. */
export interface Outbox {
  /**
   * Write `event` in `tx`. Returns the new event's id, or `null` when an event with the same dedupe key
   * exists already (nothing is written). After `tx` commits, the relay is woken for the new event.
   */
  publish(tx: Tx, event: OutboxEvent): Promise<string | null>;
}

/** Longest topic name. */
const TOPIC_PATTERN = /^[a-z][a-z0-9_.]{0,62}$/;
/** Longest dedupe key. */
export const OUTBOX_MAX_DEDUPE_KEY_CHARS = 300;

/**
 * The outbox. `wake(ids)` runs after the commit of a transaction that published events (once per
 * transaction, with all its new ids): the app enqueues a relay run on the KV queue; if the wake-up is lost
 * (crash, KV failure) the relay's catch-up poll still finds the events.
 */
export function createOutbox(
  options: { box: SecretBox; wake?: (ids: string[]) => void | Promise<void> },
): Outbox {
  const pendingByTx = new WeakMap<Tx, string[]>();
  return {
    async publish(tx, event) {
      if (!TOPIC_PATTERN.test(event.topic)) throw new RangeError(`invalid outbox topic ${event.topic}`);
      const key = event.dedupeKey ?? null;
      if (key !== null && (key.length === 0 || key.length > OUTBOX_MAX_DEDUPE_KEY_CHARS)) {
        throw new RangeError(`outbox dedupe key must be 1–${OUTBOX_MAX_DEDUPE_KEY_CHARS} characters`);
      }
      const secret = event.secret ? await options.box.encrypt(JSON.stringify(event.secret)) : null;
      const [row] = await tx<{ id: string }[]>`
        insert into outbox_events (topic, payload, secret, dedupe_key, available_at, expires_at)
        values (${event.topic}, ${tx.json(event.payload ?? {})}, ${secret}, ${key},
                ${event.availableAt ?? new Date()}, ${event.expiresAt ?? null})
        on conflict (dedupe_key) do nothing
        returning id`;
      if (!row) return null;
      const wake = options.wake;
      if (wake) {
        let ids = pendingByTx.get(tx);
        if (!ids) {
          ids = [];
          pendingByTx.set(tx, ids);
          const list = ids;
          afterCommit(tx, () => wake(list));
        }
        ids.push(row.id);
      }
      return row.id;
    },
  };
}

/** How many events are waiting, and how many gave up — for the system status page. */
export async function outboxCounts(db: Queryable): Promise<{ pending: bigint; dead: bigint }> {
  const [row] = await db<{ pending: bigint; dead: bigint }[]>`
    select count(*) filter (where status = 'pending') as pending,
           count(*) filter (where status = 'dead') as dead
    from outbox_events where status in ('pending', 'dead')`;
  return { pending: BigInt(row.pending), dead: BigInt(row.dead) };
}

/** Delivered (and expired) events are kept this long, for support questions (「我没收到短信」). */
export const OUTBOX_DONE_RETENTION_SECONDS = 30 * 24 * 3600;
/** Events that gave up are kept this long for a person to look at. */
export const OUTBOX_DEAD_RETENTION_SECONDS = 90 * 24 * 3600;

/** Delete finished events past their retention, in bounded batches (the daily purge job). */
export function purgeFinishedOutboxEvents(
  db: Db,
  now: Date = new Date(),
  limits?: BatchLimits,
): Promise<number> {
  const doneBefore = new Date(now.getTime() - OUTBOX_DONE_RETENTION_SECONDS * 1000);
  const deadBefore = new Date(now.getTime() - OUTBOX_DEAD_RETENTION_SECONDS * 1000);
  return deleteInBatches(
    (limit) =>
      db`delete from outbox_events where id in (
           select id from outbox_events
           where (status in ('done', 'expired') and finished_at < ${doneBefore})
              or (status = 'dead' and finished_at < ${deadBefore})
           limit ${limit})`,
    limits,
  );
}
