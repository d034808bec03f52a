/**
 * Starting the background work: the outbox relay (woken through the KV queue after each commit, plus a
 * catch-up poll), the KV queue consumer and, outside tests, the crons.
 */
import { auditAnchorJob } from "./audit_anchor.ts";
import { type CronJob, startCrons } from "./cron.ts";
import type { JobDeps } from "./deps.ts";
import {
  createOutboxRelay,
  type OutboxRelay,
  outboxWakeHandler,
  outboxWakerFor,
  startOutboxPoll,
} from "./outbox_relay.ts";
import { outboxTopicHandlers } from "./outbox_topics.ts";
import { piiReencryptJob } from "./pii_reencrypt.ts";
import { purgeExpiredJob } from "./purge_expired.ts";
import { reconciliationJob } from "./reconciliation.ts";
import { settlementJob } from "./settlement.ts";
import { loanListingJob, loanReminderQueueHandler } from "./loan_reminders.ts";
import { type QueueHandler, startQueueConsumer } from "./queue.ts";

/** Every cron job of the app. */
export const cronJobs: readonly CronJob[] = [
  purgeExpiredJob,
  auditAnchorJob,
  reconciliationJob,
  loanListingJob,
  settlementJob,
  piiReencryptJob,
];

/** Handle returned by {@link startJobs}. */
export interface JobsHandle {
  /** The outbox relay (tests call `deliver()` on it). */
  relay: OutboxRelay;
  /** Settles when the queue consumer stops (when `kv` is closed). */
  queueDone: Promise<void>;
  /** Stop the crons and the catch-up poll. Close `kv` to stop the consumer. */
  stop(): void;
}

/** The relay of this app: every outbox topic's handler over the deps' database and gateways. */
export function createAppRelay(deps: JobDeps): OutboxRelay {
  return createOutboxRelay(
    { db: deps.sql, box: deps.pii, foreground: deps.foreground },
    outboxTopicHandlers({
      db: deps.sql,
      gateways: deps.gateways,
      outbox: deps.outbox,
      cipher: deps.pii,
      kv: deps.kv,
    }),
  );
}

/**
 * Start the queue consumer (which runs the relay on wake-ups) and — unless `config.env === "test"`, where
 * tests drive time themselves — the catch-up poll and the crons. Call once, from the app's startup, after
 * migrating.
 */
export function startJobs(deps: JobDeps): JobsHandle {
  const relay = createAppRelay(deps);
  const handlers: QueueHandler[] = [
    outboxWakeHandler(relay, outboxWakerFor(deps.kv)),
    loanReminderQueueHandler,
  ];
  const queueDone = startQueueConsumer(deps, handlers);
  const abort = new AbortController();
  if (deps.config.env !== "test") {
    startOutboxPoll(relay, { signal: abort.signal });
    startCrons(deps, cronJobs, abort.signal);
  }
  return { relay, queueDone, stop: () => abort.abort() };
}
