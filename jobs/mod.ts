/**
 * Starting the background work: the KV queue consumer with every handler and, outside tests, the crons.
 */
import { type CronJob, startCrons } from "./cron.ts";
import type { JobDeps } from "./deps.ts";
import { notificationHandler } from "./notifications.ts";
import { purgeExpiredJob } from "./purge_expired.ts";
import { type QueueHandler, startQueueConsumer } from "./queue.ts";

/** Every queue handler of the app. */
export const queueHandlers: readonly QueueHandler[] = [notificationHandler as QueueHandler];

/** Every cron job of the app. */
export const cronJobs: readonly CronJob[] = [purgeExpiredJob];

/** Handle returned by {@link startJobs}. */
export interface JobsHandle {
  /** Settles when the queue consumer stops (when `kv` is closed). */
  queueDone: Promise<void>;
  /** Unregister the crons. Close `kv` to stop the consumer. */
  stop(): void;
}

/**
 * Start the queue consumer and (unless `config.env === "test"`) register the crons. Call once, from the
 * app's startup, after migrating.
 */
export function startJobs(deps: JobDeps): JobsHandle {
  const queueDone = startQueueConsumer(deps, queueHandlers);
  const abort = new AbortController();
  if (deps.config.env !== "test") startCrons(deps, cronJobs, abort.signal);
  return { queueDone, stop: () => abort.abort() };
}
