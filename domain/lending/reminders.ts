/**
 * Repayment reminders (还款提醒): at disbursement, two reminders per installment — 3 days before the due
 * date and on it (09:00 Asia/Shanghai) — are scheduled through the outbox into the Deno KV queue.
 *
 * 1. {@link publishInstallmentReminders} (inside the disbursing transaction) writes one outbox event
 *    `loan.reminder` per reminder, available {@link REMINDER_LEAD_DAYS} days before the reminder is due
 *    (Deno KV delays are limited to 30 days; a three-year loan's last reminder is years away).
 * 2. The relay's handler for `loan.reminder` (jobs/loan_reminders.ts) enqueues a KV message delayed until
 *    the reminder time (or runs it at once when that time has come).
 * 3. The KV message runs {@link sendInstallmentReminder}: when the installment is still unpaid, a generic
 *    notification goes to the borrower (deduplicated per installment and reminder kind).
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import { formatFen } from "../money/format.ts";
import { notify } from "../messaging/notifications.ts";

/** Outbox topic of a reminder to schedule. */
export const LOAN_REMINDER_TOPIC = "loan.reminder";
/** The outbox event becomes due this many days before its reminder (KV delays are ≤ 30 days). */
export const REMINDER_LEAD_DAYS = 20;
/** Days before the due date of the early reminder. */
export const EARLY_REMINDER_DAYS = 3;

/** The payload of a reminder (outbox event and KV message). */
export const reminderPayloadSchema = z.object({
  loanId: z.string().regex(/^[1-9][0-9]{0,18}$/),
  period: z.number().int().min(1).max(1000),
  kind: z.enum(["before", "due"]),
  /** ISO instant the reminder is due. */
  remindAt: z.string().datetime(),
});
/** A reminder. */
export type ReminderPayload = z.output<typeof reminderPayloadSchema>;

/** 09:00 Asia/Shanghai on `day` (`YYYY-MM-DD`) minus `daysBefore` days. */
export function reminderTime(day: string, daysBefore: number): Date {
  return new Date(new Date(`${day}T09:00:00+08:00`).getTime() - daysBefore * 86_400_000);
}

/**
 * Publish the two reminders of every installment (inside the caller's transaction). Reminders already in
 * the past are skipped; each event's dedupe key makes a repeat write nothing.
 */
export async function publishInstallmentReminders(
  tx: Tx,
  outbox: Outbox,
  input: { loanId: string; installments: readonly { period: number; dueDate: string }[]; now: Date },
): Promise<number> {
  let published = 0;
  for (const installment of input.installments) {
    for (const [kind, daysBefore] of [["before", EARLY_REMINDER_DAYS], ["due", 0]] as const) {
      const remindAt = reminderTime(installment.dueDate, daysBefore);
      if (remindAt <= input.now) continue;
      const availableAt = new Date(
        Math.max(input.now.getTime(), remindAt.getTime() - REMINDER_LEAD_DAYS * 86_400_000),
      );
      const payload: ReminderPayload = {
        loanId: input.loanId,
        period: installment.period,
        kind,
        remindAt: remindAt.toISOString(),
      };
      await outbox.publish(tx, {
        topic: LOAN_REMINDER_TOPIC,
        payload,
        dedupeKey: `${LOAN_REMINDER_TOPIC}:${input.loanId}:${installment.period}:${kind}`,
        availableAt,
      });
      published++;
    }
  }
  return published;
}

/**
 * Send one reminder if the installment is still unpaid (pending or overdue) and the loan is repaying.
 * Returns whether a notification was written. Idempotent per (loan, period, kind).
 */
export async function sendInstallmentReminder(
  db: Db,
  deps: { outbox: Outbox },
  reminder: ReminderPayload,
): Promise<boolean> {
  return await transaction(db, async (tx) => {
    const [row] = await tx<
      {
        borrowerId: string;
        title: string;
        dueDate: string;
        principalFen: bigint;
        interestFen: bigint;
        paidFen: bigint;
      }[]
    >`
      select l.borrower_id::text as "borrowerId", l.title, to_char(i.due_date, 'YYYY-MM-DD') as "dueDate",
             i.principal_fen as "principalFen", i.interest_fen as "interestFen",
             (i.paid_principal_fen + i.paid_interest_fen) as "paidFen"
      from loan_installments i join loans l on l.id = i.loan_id
      where i.loan_id = ${reminder.loanId} and i.period = ${reminder.period}
        and i.status in ('pending', 'overdue') and l.status in ('repaying', 'overdue')`;
    if (!row) return false;
    const dueFen = BigInt(row.principalFen) + BigInt(row.interestFen) - BigInt(row.paidFen);
    const when = reminder.kind === "before" ? `将于 ${row.dueDate} 到期` : `今日（${row.dueDate}）到期`;
    await notify(tx, deps.outbox, {
      userId: row.borrowerId,
      kind: "generic",
      key: `loan_reminder:${reminder.loanId}:${reminder.period}:${reminder.kind}`,
      payload: {
        title: "还款提醒",
        body: `您的借款「${row.title}」第 ${reminder.period} 期${when}，应还 ${
          formatFen(dueFen)
        } 元，请确保账户可用余额充足。`,
      },
    });
    return true;
  });
}
