/**
 * How the sandbox bank and channels call us back: each callback is a row in `sandbox_callbacks` (so a
 * restart loses none), delivered as a real signed HTTP POST to the app's endpoint
 * (`/api/callbacks/custody` or `/api/callbacks/payment`), retried with back-off until it answers 2xx.
 * Tests shape the delivery: a delay, several copies of each callback (replays), a random order.
 * @module
 */
import { type BatchLimits, deleteInBatches } from "../db/batches.ts";
import type { Db } from "../db/tx.ts";
import type { CallbackDeliveryOptions } from "../domain/gateways/custody.ts";
import { signCallback } from "../domain/payments/callback_signature.ts";

/** The endpoint path of each target. */
export const CALLBACK_PATHS = {
  custody: "/api/callbacks/custody",
  payment: "/api/callbacks/payment",
} as const;

/** With automatic delivery, how often due callbacks are looked for besides the timers (after a restart). */
export const SANDBOX_CALLBACK_POLL_MS = 10_000;

/** Most attempts of one callback before the sandbox gives up (a real bank would page its operator). */
export const SANDBOX_CALLBACK_MAX_ATTEMPTS = 12;

/** How long a delivered callback is kept (to look at on a test day; the app keeps its own copy). */
export const SANDBOX_CALLBACK_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Delete the callbacks delivered more than {@link SANDBOX_CALLBACK_RETENTION_SECONDS} before `now`, in
 * bounded batches (the daily purge job). A callback not delivered yet is kept, however old — still due,
 * or given up after {@link SANDBOX_CALLBACK_MAX_ATTEMPTS} (what the bank still owes the app: the demo seed
 * applies such rows, and reconciliation shows the difference until then). Returns how many were deleted.
 * No index on `delivered_at`: the table is the sandbox's (empty with a real bank) and holds about a week of
 * rows; the oldest rows, the ones deleted, come first in a scan.
 */
export function purgeSandboxCallbacks(db: Db, now: Date = new Date(), limits?: BatchLimits): Promise<number> {
  const deliveredBefore = new Date(now.getTime() - SANDBOX_CALLBACK_RETENTION_SECONDS * 1000);
  return deleteInBatches(
    (limit) =>
      db`delete from sandbox_callbacks where id in (
           select id from sandbox_callbacks where delivered_at < ${deliveredBefore} limit ${limit})`,
    limits,
  );
}

/** A callback queue of one target. */
export interface SandboxCallbackQueue {
  readonly options: CallbackDeliveryOptions;
  configure(options: Partial<CallbackDeliveryOptions>): void;
  setOrigin(origin: string): void;
  /** Record `body` (its callback id) for delivery, `copies` times, and schedule delivery when automatic. */
  enqueue(callbackId: string, body: string): Promise<void>;
  deliverDue(options?: { all?: boolean; keys?: string[] }): Promise<number>;
}

interface DueRow {
  id: string;
  body: string;
  attempts: number;
}

/**
 * A queue of callbacks to `target`, signed with `secret`. `origin` null: nothing is delivered until
 * {@link SandboxCallbackQueue.setOrigin} (tests set it to the served test app).
 */
export function createSandboxCallbackQueue(
  db: Db,
  target: keyof typeof CALLBACK_PATHS,
  secret: string,
  init: { origin: string | null; delayMs: number; auto: boolean },
): SandboxCallbackQueue {
  let origin = init.origin;
  const options: CallbackDeliveryOptions = {
    delayMs: init.delayMs,
    copies: 1,
    shuffle: false,
    auto: init.auto,
  };
  let timer: ReturnType<typeof setTimeout> | null = null;

  function schedule(ms: number) {
    if (!options.auto || origin === null || timer !== null) return;
    const handle = setTimeout(() => {
      timer = null;
      queue.deliverDue().catch((error) =>
        console.error(
          JSON.stringify({ level: "error", msg: "sandbox_callback_failed", target, error: String(error) }),
        )
      );
    }, ms);
    timer = handle;
    Deno.unrefTimer(handle as unknown as number);
  }

  async function post(row: DueRow): Promise<number> {
    const headers = await signCallback(secret, row.body);
    try {
      const res = await fetch(new URL(CALLBACK_PATHS[target], origin!), {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: row.body,
      });
      await res.body?.cancel();
      return res.status;
    } catch {
      return 0;
    }
  }

  // catch-up: callbacks left undelivered by a restart (or whose retry timer was lost) go out within a poll
  if (options.auto && origin !== null) {
    const poll = setInterval(() => schedule(0), SANDBOX_CALLBACK_POLL_MS);
    Deno.unrefTimer(poll as unknown as number);
  }

  const queue: SandboxCallbackQueue = {
    options,
    configure(next) {
      Object.assign(options, next);
    },
    setOrigin(next) {
      origin = new URL(next).origin;
    },
    async enqueue(callbackId, body) {
      const at = new Date(Date.now() + options.delayMs);
      for (let i = 0; i < Math.max(1, Math.trunc(options.copies)); i++) {
        await db`insert into sandbox_callbacks (target, callback_id, body, deliver_after)
                 values (${target}, ${callbackId}, ${body}, ${at})`;
      }
      schedule(options.delayMs + 5);
    },
    async deliverDue(opts = {}) {
      if (origin === null) return 0;
      const keys = opts.keys ?? null;
      // claim with a lease, so two deliverers do not POST one row at the same moment
      const rows = await db<DueRow[]>`
        update sandbox_callbacks set deliver_after = now() + interval '30 seconds', attempts = attempts + 1
        where id in (
          select id from sandbox_callbacks
          where target = ${target} and delivered_at is null and attempts < ${SANDBOX_CALLBACK_MAX_ATTEMPTS}
            and (${opts.all ?? false} or deliver_after <= now())
            and (${keys}::text[] is null
                 or coalesce(body::jsonb ->> 'instructionId', body::jsonb ->> 'merchantOrderNo') = any(${keys}::text[]))
          order by id limit 200)
        returning id, body, attempts`;
      rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      if (options.shuffle) {
        for (let i = rows.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [rows[i], rows[j]] = [rows[j], rows[i]];
        }
      }
      let delivered = 0;
      for (const row of rows) {
        const status = await post(row);
        if (status >= 200 && status < 300) {
          delivered++;
          await db`update sandbox_callbacks set delivered_at = now(), last_status = ${status} where id = ${row.id}`;
        } else {
          // back-off: 2, 4, 8 … seconds, at most 10 minutes
          const wait = Math.min(600, 2 ** row.attempts);
          await db`update sandbox_callbacks
                   set last_status = ${status}, deliver_after = now() + make_interval(secs => ${wait})
                   where id = ${row.id}`;
          schedule(wait * 1000);
        }
      }
      return delivered;
    },
  };
  return queue;
}
