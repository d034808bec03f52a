/**
 * Loan jobs: repayment reminders (outbox topic `loan.reminder` → a delayed Deno KV message → a
 * notification when the installment is still unpaid; see domain/lending/reminders.ts) and the every-minute
 * listing cron (publish due loans, fail expired ones — domain/lending/listing.ts).
 * @module
 */
import type { Outbox } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import { failExpiredLoans, publishDueLoans } from "../domain/lending/listing.ts";
import {
  LOAN_REMINDER_TOPIC,
  type ReminderPayload,
  reminderPayloadSchema,
  sendInstallmentReminder,
} from "../domain/lending/reminders.ts";
import { defineCronJob } from "./cron.ts";
import type { DeliveryOutcome, TopicHandler } from "./outbox_relay.ts";
import { defineQueueHandler, enqueue, MAX_DELAY_MS, type QueueHandler } from "./queue.ts";

/** The KV queue handler that sends one reminder when its time has come. */
export const loanReminderQueueHandler: QueueHandler = defineQueueHandler({
  type: "loan_reminder",
  schema: reminderPayloadSchema,
  async handle(ctx, payload: ReminderPayload) {
    const leftMs = new Date(payload.remindAt).getTime() - Date.now();
    if (leftMs > 60_000) {
      // a delay longer than KV allows was capped: wait again for the rest
      await enqueue(ctx.kv, loanReminderQueueHandler, payload, {
        dedupeKey: `${ctx.dedupeKey}:${payload.remindAt}:${Date.now()}`.slice(0, 200),
        delayMs: Math.min(leftMs, MAX_DELAY_MS),
      });
      return;
    }
    await sendInstallmentReminder(ctx.sql, { outbox: ctx.outbox }, payload);
  },
}) as QueueHandler;

/**
 * The outbox handler of `loan.reminder`: a reminder already due is sent at once; otherwise a KV message is
 * enqueued, delayed until the reminder time (at most 30 days: the outbox event became due
 * `REMINDER_LEAD_DAYS` before it).
 */
export function loanReminderTopicHandler(deps: { db: Db; outbox: Outbox; kv?: Deno.Kv }): TopicHandler {
  return {
    topic: LOAN_REMINDER_TOPIC,
    async deliver(event): Promise<DeliveryOutcome> {
      const parsed = reminderPayloadSchema.safeParse(event.payload);
      if (!parsed.success) return { ok: false, retry: false, error: "malformed loan.reminder event" };
      const delayMs = new Date(parsed.data.remindAt).getTime() - Date.now();
      if (delayMs <= 0) {
        await sendInstallmentReminder(deps.db, { outbox: deps.outbox }, parsed.data);
        return { ok: true };
      }
      if (!deps.kv) return { ok: false, retry: true, error: "loan.reminder: no KV queue here" };
      await enqueue(deps.kv, loanReminderQueueHandler, parsed.data, {
        dedupeKey: event.dedupeKey ?? `loan.reminder:${event.id}`,
        delayMs: Math.min(delayMs, MAX_DELAY_MS),
      });
      return { ok: true };
    },
  };
}

/** Every minute: scheduled loans whose publish time has come open; open loans past their deadline fail. */
export const loanListingJob = defineCronJob({
  name: "loan_listing",
  schedule: "* * * * *",
  staleAfterMs: 5 * 60_000,
  // once a minute (the minute in UTC); the job's own records older than a day are dropped
  runKey: (at) => at.toISOString().slice(0, 16),
  async run(deps, _runKey) {
    const now = new Date();
    await deps.sql`delete from job_runs where job = 'loan_listing' and started_at < now() - interval '1 day'`;
    const published = await publishDueLoans(deps.sql, now);
    const failed = await failExpiredLoans(deps.sql, { outbox: deps.outbox }, now);
    return { published, failed: failed.failed, released: failed.released };
  },
});
