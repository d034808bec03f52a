/**
 * Deno KV queues: a registry of handlers by message type, idempotent dispatch through a dedupe key, retries
 * with a backoff schedule, and a dead-letter row in Postgres when every attempt has failed.
 *
 * A message is `{ type, payload, dedupeKey, attempt }`. KV redelivers the same message when the handler
 * throws, so the attempt count that matters is kept in KV under `["attempts", type, dedupeKey]`; the field
 * `attempt` records which attempt the message was enqueued as (1 for a new message).
 *
 * Exactly-once is not something a queue can give; handlers must also be idempotent in the database (the
 * outbox wake-up handler only delivers events still `pending`, under a lease). The KV marker
 * `["dedupe", type, dedupeKey]` makes redeliveries after success cheap no-ops.
 */
import { z } from "zod";
import { errorText, type JobDeps, logJob } from "./deps.ts";

/** Default retry delays after the 1st, 2nd and 3rd failure: 4 attempts in all. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [1_000, 5_000, 30_000];
/** How long a "done" marker is kept (KV `expireIn`): redeliveries later than this rely on the database. */
export const DEDUPE_TTL_MS = 30 * 24 * 3600 * 1000;
/** How long an attempt counter is kept. */
export const ATTEMPTS_TTL_MS = 7 * 24 * 3600 * 1000;
/** Longest dedupe key. */
export const MAX_DEDUPE_KEY_CHARS = 200;
/** Longest delay Deno KV accepts (30 days). */
export const MAX_DELAY_MS = 30 * 24 * 3600 * 1000;

/** Thrown by a handler for a failure that no retry can fix: the message goes to dead letters at once. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

/** What a handler receives besides its payload. */
export interface QueueContext extends JobDeps {
  dedupeKey: string;
  /** 1 for the first attempt, counted across KV redeliveries. */
  attempt: number;
}

/** A queue handler for one message type. */
export interface QueueHandler<S extends z.ZodType = z.ZodType> {
  type: string;
  schema: S;
  /** Delays between attempts; `backoffMs.length + 1` attempts in all. */
  backoffMs: readonly number[];
  maxAttempts: number;
  handle(ctx: QueueContext, payload: z.output<S>): Promise<void>;
}

/** Handlers by message type. */
export type QueueRegistry = ReadonlyMap<string, QueueHandler>;

/** The envelope stored in KV. */
export interface QueueMessage {
  type: string;
  payload: unknown;
  dedupeKey: string;
  attempt: number;
}

const dedupeKeySchema = z.string().min(1).max(MAX_DEDUPE_KEY_CHARS);
const typeSchema = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);
const envelopeSchema = z.object({
  type: typeSchema,
  payload: z.unknown(),
  dedupeKey: dedupeKeySchema,
  attempt: z.number().int().min(1),
});

/**
 * Define a queue handler. `backoffMs` (default {@link DEFAULT_BACKOFF_MS}, at most 5 delays of at most an
 * hour each, as Deno KV allows) sets the retries.
 */
export function defineQueueHandler<S extends z.ZodType>(definition: {
  type: string;
  schema: S;
  backoffMs?: readonly number[];
  handle(ctx: QueueContext, payload: z.output<S>): Promise<void>;
}): QueueHandler<S> {
  typeSchema.parse(definition.type);
  const backoffMs = definition.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (backoffMs.length > 5 || backoffMs.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > 3_600_000)) {
    throw new RangeError(`queue ${definition.type}: backoffMs must be ≤ 5 integers in 0–3600000`);
  }
  return { ...definition, backoffMs, maxAttempts: backoffMs.length + 1 };
}

/**
 * Build the registry of handlers by type.
 *
 * @throws {Error} when two handlers share a type.
 */
export function createQueueRegistry(handlers: readonly QueueHandler[]): QueueRegistry {
  const map = new Map<string, QueueHandler>();
  for (const h of handlers) {
    if (map.has(h.type)) throw new Error(`duplicate queue handler for type ${h.type}`);
    map.set(h.type, h);
  }
  return map;
}

/**
 * Enqueue a message for `handler`. The payload is validated against the handler's schema (a bad payload
 * is a programming error and throws). `dedupeKey` identifies the work: enqueueing the same key twice
 * does the work once.
 *
 * @throws {z.ZodError} when the payload or dedupe key is invalid.
 */
export async function enqueue<S extends z.ZodType>(
  kv: Deno.Kv,
  handler: Pick<QueueHandler<S>, "type" | "schema" | "backoffMs">,
  payload: z.input<S>,
  options: { dedupeKey: string; delayMs?: number },
): Promise<void> {
  const dedupeKey = dedupeKeySchema.parse(options.dedupeKey);
  const delayMs = z.number().int().min(0).max(MAX_DELAY_MS).optional().parse(options.delayMs);
  const message: QueueMessage = {
    type: handler.type,
    payload: handler.schema.parse(payload),
    dedupeKey,
    attempt: 1,
  };
  const result = await kv.enqueue(message, {
    delay: delayMs,
    backoffSchedule: [...handler.backoffMs],
    keysIfUndelivered: [undeliveredKey(handler.type, dedupeKey)],
  });
  if (!result.ok) throw new Error(`enqueue ${handler.type} failed`);
}

/** What {@link dispatch} did with a message (a retryable failure throws instead). */
export type DispatchOutcome = "done" | "duplicate" | "dead_lettered";

/** KV key of the "done" marker of a message. */
export function dedupeMarkerKey(type: string, dedupeKey: string): Deno.KvKey {
  return ["dedupe", type, dedupeKey];
}
function attemptsKey(type: string, dedupeKey: string): Deno.KvKey {
  return ["attempts", type, dedupeKey];
}
function undeliveredKey(type: string, dedupeKey: string): Deno.KvKey {
  return ["undelivered", type, dedupeKey];
}

/**
 * Run one message through its handler, idempotently. Exported for tests; the consumer calls it for every
 * delivery.
 *
 * - Already done (KV marker) → `"duplicate"`, nothing runs.
 * - Handler succeeds → the marker is committed with an atomic check that it is still absent → `"done"`.
 * - Handler throws → rethrown so KV redelivers after the backoff, until the attempt count reaches the
 *   handler's `maxAttempts`; then (or at once for a {@link PermanentJobError}, an unknown type or an invalid
 *   payload) a `dead_letters` row is written, the marker is set and `"dead_lettered"` is returned.
 */
export async function dispatch(
  deps: JobDeps,
  handlers: QueueRegistry | readonly QueueHandler[],
  raw: unknown,
): Promise<DispatchOutcome> {
  const registry = Array.isArray(handlers) ? createQueueRegistry(handlers) : handlers as QueueRegistry;
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    await deadLetter(deps, "unknown", raw, `invalid queue message: ${envelope.error.message}`, 0);
    return "dead_lettered";
  }
  const message = envelope.data;
  const handler = registry.get(message.type);
  if (!handler) {
    await deadLetter(deps, message.type, message, `no handler for type ${message.type}`, 0);
    return "dead_lettered";
  }
  const { kv } = deps;
  const doneKey = dedupeMarkerKey(message.type, message.dedupeKey);
  if ((await kv.get(doneKey)).value !== null) return "duplicate";

  const parsed = handler.schema.safeParse(message.payload);
  if (!parsed.success) {
    await deadLetter(deps, message.type, message, `invalid payload: ${parsed.error.message}`, 0);
    await markDone(kv, doneKey, message, "dead");
    return "dead_lettered";
  }
  const attempt = await countAttempt(kv, attemptsKey(message.type, message.dedupeKey));
  try {
    await handler.handle({ ...deps, dedupeKey: message.dedupeKey, attempt }, parsed.data);
  } catch (error) {
    const permanent = error instanceof PermanentJobError;
    if (!permanent && attempt < handler.maxAttempts) {
      logJob("warn", "queue_retry", {
        type: message.type,
        dedupeKey: message.dedupeKey,
        attempt,
        error: errorText(error),
      });
      throw error;
    }
    await deadLetter(deps, message.type, message, errorText(error), attempt);
    await markDone(kv, doneKey, message, "dead");
    return "dead_lettered";
  }
  return await markDone(kv, doneKey, message, "done") ? "done" : "duplicate";
}

/** Commit the marker if still absent; false when another delivery got there first. */
async function markDone(
  kv: Deno.Kv,
  doneKey: Deno.KvKey,
  m: QueueMessage,
  status: "done" | "dead",
): Promise<boolean> {
  const result = await kv.atomic()
    .check({ key: doneKey, versionstamp: null })
    .set(doneKey, { status, at: Date.now() }, { expireIn: DEDUPE_TTL_MS })
    .delete(attemptsKey(m.type, m.dedupeKey))
    .commit();
  return result.ok;
}

/** Increment the attempt counter (check-and-set, retried on conflict) and return the new count. */
async function countAttempt(kv: Deno.Kv, key: Deno.KvKey): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const current = await kv.get<number>(key);
    const next = (current.value ?? 0) + 1;
    const result = await kv.atomic().check(current).set(key, next, { expireIn: ATTEMPTS_TTL_MS }).commit();
    if (result.ok) return next;
  }
  throw new Error(`could not count attempt for ${JSON.stringify(key)}`);
}

async function deadLetter(deps: JobDeps, queue: string, message: unknown, error: string, attempts: number) {
  logJob("error", "queue_dead_letter", { queue, error, attempts });
  await deps.sql`
    insert into dead_letters (queue, message, error, attempts)
    values (${queue.slice(0, 100)}, ${deps.sql.json(toJson(message))}, ${error}, ${attempts})`;
}

// deno-lint-ignore no-explicit-any
function toJson(value: unknown): any {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch {
    return { unserialisable: String(value) };
  }
}

/** Largest number of undelivered messages {@link sweepUndelivered} moves in one call. */
export const SWEEP_LIMIT = 500;

/**
 * Move messages that KV gave up on (written under `["undelivered", type, dedupeKey]` by
 * `keysIfUndelivered`, e.g. because the dead-letter insert itself failed) into `dead_letters`. Returns how
 * many were moved (at most {@link SWEEP_LIMIT}).
 */
export async function sweepUndelivered(deps: JobDeps): Promise<number> {
  let moved = 0;
  for await (const entry of deps.kv.list<QueueMessage>({ prefix: ["undelivered"] }, { limit: SWEEP_LIMIT })) {
    const [, type, dedupeKey] = entry.key.map(String);
    const attempts = (await deps.kv.get<number>(attemptsKey(type, dedupeKey))).value ?? 0;
    await deadLetter(deps, type, entry.value, "undelivered: KV exhausted its retries", attempts);
    await deps.kv.atomic().delete(entry.key).delete(attemptsKey(type, dedupeKey)).commit();
    moved++;
  }
  return moved;
}

/**
 * Start consuming the KV queue with the given handlers. Returns the promise of `kv.listenQueue`, which
 * settles when the KV store is closed. Only one consumer per `Deno.Kv` is possible.
 */
export function startQueueConsumer(deps: JobDeps, handlers: readonly QueueHandler[]): Promise<void> {
  const registry = createQueueRegistry(handlers);
  sweepUndelivered(deps).catch((error) => logJob("error", "queue_sweep_failed", { error: errorText(error) }));
  return deps.kv.listenQueue(async (message) => {
    await dispatch(deps, registry, message);
  });
}
