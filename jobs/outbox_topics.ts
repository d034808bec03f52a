/**
 * What each outbox topic means: the relay's handlers. `sms.send` and `email.send` hand the message to the
 * gateway with the event's idempotency key; `notification` runs the messaging domain's
 * `deliverNotification` command (message centre + the SMS and e-mail events of that kind).
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../db/outbox.ts";
import type { Db } from "../db/tx.ts";
import type { PiiCipher } from "../domain/accounts/pii.ts";
import type { Gateways } from "../domain/gateways/mod.ts";
import { EMAIL_TOPIC } from "../domain/gateways/email.ts";
import { SMS_TOPIC } from "../domain/gateways/sms.ts";
import { deliverNotification, NOTIFICATION_TOPIC } from "../domain/messaging/notifications.ts";
import { CUSTODY_OPEN_ACCOUNT_TOPIC, deliverCustodyOpenAccount } from "../domain/identity/identity.ts";
import type { DeliveryOutcome, TopicHandler } from "./outbox_relay.ts";
import { loanReminderTopicHandler } from "./loan_reminders.ts";
import {
  CUSTODY_INSTRUCTION_TOPIC,
  submitCustodyInstruction,
} from "../domain/payments/custody_instruction.ts";

const smsSecret = z.object({ to: z.string().min(1).max(20), text: z.string().min(1).max(670) });
const emailSecret = z.object({
  to: z.string().min(3).max(254),
  subject: z.string().min(1).max(200),
  text: z.string().min(1).max(5000),
});

/** A gateway's answer as a delivery outcome: only an invalid recipient is final. */
function fromGateway(
  channel: string,
  result: { ok: true } | { ok: false; code: "rate_limited" | "invalid_recipient" | "unavailable" },
): DeliveryOutcome {
  if (result.ok) return { ok: true };
  return { ok: false, retry: result.code !== "invalid_recipient", error: `${channel}: ${result.code}` };
}

/** The relay's handlers for every topic the app publishes. */
export function outboxTopicHandlers(
  deps: { db: Db; gateways: Gateways; outbox: Outbox; cipher: PiiCipher; kv?: Deno.Kv },
): TopicHandler[] {
  return [
    // repayment reminders → delayed KV messages (domain/lending/reminders.ts)
    loanReminderTopicHandler(deps),
    {
      // one instruction to the custody bank; the instruction id is the bank's idempotency key
      topic: CUSTODY_INSTRUCTION_TOPIC,
      async deliver(event) {
        const id = event.payload.instructionId;
        if (typeof id !== "string") {
          return { ok: false, retry: false, error: "malformed custody.instruction event" };
        }
        return await submitCustodyInstruction(deps.db, {
          custody: deps.gateways.custody,
          outbox: deps.outbox,
        }, id);
      },
    },
    {
      topic: SMS_TOPIC,
      async deliver(event) {
        const m = smsSecret.safeParse(event.secret);
        if (!m.success) return { ok: false, retry: false, error: "malformed sms.send event" };
        const sent = await deps.gateways.sms.send({ ...m.data, idempotencyKey: event.idempotencyKey });
        return fromGateway("sms", sent);
      },
    },
    {
      topic: EMAIL_TOPIC,
      async deliver(event) {
        const m = emailSecret.safeParse(event.secret);
        if (!m.success) return { ok: false, retry: false, error: "malformed email.send event" };
        const sent = await deps.gateways.email.send({ ...m.data, idempotencyKey: event.idempotencyKey });
        return fromGateway("email", sent);
      },
    },
    {
      topic: NOTIFICATION_TOPIC,
      async deliver(event) {
        const result = await deliverNotification(
          deps.db,
          { notification: event.payload, dedupeKey: event.dedupeKey ?? `outbox:${event.id}` },
          deps,
        );
        if (!result.ok) return { ok: false, retry: false, error: `notification: ${result.code}` };
        return { ok: true };
      },
    },
    {
      topic: CUSTODY_OPEN_ACCOUNT_TOPIC,
      deliver: (event) => deliverCustodyOpenAccount(deps.db, event.payload, deps),
    },
  ];
}
