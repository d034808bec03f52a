/**
 * Notifications: `notify()` enqueues a `notification` message; the consumer writes it to the user's
 * message centre (`messages`) and sends it by SMS and/or e-mail (per kind), all in one transaction, at most
 * once per dedupe key.
 */
import { z } from "zod";
import type { Tx } from "../db/tx.ts";
import { PLATFORM_NAME, SERVICE_PHONE } from "../domain/shared/brand.ts";
import { addMessage } from "../domain/messaging/message.ts";
import { createPiiCipher } from "../domain/accounts/pii.ts";
import { formatShanghaiDateTime } from "../domain/shared/shanghai_time.ts";
import { type EmailGateway, sandboxEmail } from "../integrations/email.ts";
import { sandboxSms, SMS_MAX_TEXT_CHARS, SMS_SIGNATURE, type SmsGateway } from "../integrations/sms.ts";
import { logJob } from "./deps.ts";
import { defineQueueHandler, enqueue, PermanentJobError, type QueueHandler } from "./queue.ts";

/** Message type of notifications on the queue. */
export const NOTIFICATION_TYPE = "notification";

const userIdSchema = z.string().regex(/^[1-9]\d{0,18}$/, "用户编号无效");

/** A notification as queued: who, which kind, and the kind's parameters. */
export const notificationSchema = z.discriminatedUnion("kind", [
  z.object({ userId: userIdSchema, kind: z.literal("welcome"), payload: z.object({}).default({}) }),
  z.object({
    userId: userIdSchema,
    kind: z.literal("password_changed"),
    payload: z.object({ changedAt: z.iso.datetime({ offset: true }) }),
  }),
  z.object({
    userId: userIdSchema,
    kind: z.literal("generic"),
    payload: z.object({
      title: z.string().trim().min(1).max(100),
      body: z.string().trim().min(1).max(2000),
      /** Besides the message centre; none by default. */
      channels: z.array(z.enum(["sms", "email"])).max(2).default([]),
    }),
  }),
]);

/** A validated notification. */
export type Notification = z.output<typeof notificationSchema>;
/** Notification kinds. */
export type NotificationKind = Notification["kind"];

/** What one notification says on each channel. */
export interface RenderedNotification {
  title: string;
  body: string;
  /** Full SMS text including the signature, or null for no SMS. */
  sms: string | null;
  /** E-mail (sent when the user has an address), or null for none. */
  email: { subject: string; text: string } | null;
}

function smsText(text: string): string {
  const full = SMS_SIGNATURE + text;
  return full.length <= SMS_MAX_TEXT_CHARS ? full : full.slice(0, SMS_MAX_TEXT_CHARS - 1) + "…";
}

/** The Chinese texts of a notification (pure). */
export function renderNotification(
  n: Notification,
  user: { displayName: string | null },
): RenderedNotification {
  const greeting = user.displayName ? `${user.displayName}，您好！` : "您好！";
  switch (n.kind) {
    case "welcome": {
      const title = `欢迎加入${PLATFORM_NAME}`;
      const body = `${greeting}您已成功注册${PLATFORM_NAME}账户。出借或借款前，请先完成实名认证、绑定银行卡` +
        `并完成风险测评。市场有风险，出借需谨慎。`;
      return {
        title,
        body,
        sms: smsText(`您已成功注册${PLATFORM_NAME}账户，欢迎加入。如非本人操作，请致电 ${SERVICE_PHONE}。`),
        email: { subject: title, text: body },
      };
    }
    case "password_changed": {
      const when = formatShanghaiDateTime(new Date(n.payload.changedAt));
      const title = "登录密码已修改";
      const body =
        `${greeting}您的登录密码已于 ${when} 修改成功。如非本人操作，请立即致电客服 ${SERVICE_PHONE}。`;
      return {
        title,
        body,
        sms: smsText(`您的登录密码已于 ${when} 修改。如非本人操作，请立即致电 ${SERVICE_PHONE}。`),
        email: { subject: `【${PLATFORM_NAME}】${title}`, text: body },
      };
    }
    case "generic": {
      const { title, body, channels } = n.payload;
      return {
        title,
        body,
        sms: channels.includes("sms") ? smsText(`${title}：${body}`) : null,
        email: channels.includes("email") ? { subject: `【${PLATFORM_NAME}】${title}`, text: body } : null,
      };
    }
  }
}

/** The gateways the notification consumer sends through (sandboxes by default). */
export interface NotificationGateways {
  sms: SmsGateway;
  email: EmailGateway;
}

/** Build the `notification` queue handler with the given gateways. */
export function createNotificationHandler(
  gateways: NotificationGateways = { sms: sandboxSms, email: sandboxEmail },
) {
  return defineQueueHandler({
    type: NOTIFICATION_TYPE,
    schema: notificationSchema,
    async handle(ctx, n) {
      const cipher = createPiiCipher(ctx.config);
      await ctx.sql.begin(async (tx: Tx) => {
        const [user] = await tx<
          { phoneEnc: Uint8Array; emailEnc: Uint8Array | null; displayName: string | null; status: string }[]
        >`
          select phone_enc as "phoneEnc", email_enc as "emailEnc", display_name as "displayName", status
          from users where id = ${n.userId}`;
        if (!user) throw new PermanentJobError(`user ${n.userId} not found`);
        if (user.status === "closed") {
          logJob("info", "notification_skipped", { dedupeKey: ctx.dedupeKey, reason: "user_closed" });
          return;
        }
        const content = renderNotification(n, user);
        const messageId = await addMessage(tx, {
          userId: n.userId,
          kind: n.kind,
          title: content.title,
          body: content.body,
          dedupeKey: ctx.dedupeKey,
        });
        if (messageId === null) return; // delivered by an earlier attempt
        if (content.sms) {
          const phone = await cipher.decrypt(user.phoneEnc);
          const sent = await gateways.sms.send(tx, {
            to: phone,
            text: content.sms,
            dedupeKey: `${ctx.dedupeKey}:sms`,
          });
          if (!sent.ok && sent.code === "rate_limited") throw new Error("SMS rate limited; retry later");
          if (!sent.ok) {
            logJob("warn", "notification_sms_rejected", { dedupeKey: ctx.dedupeKey, code: sent.code });
          }
        }
        if (content.email && user.emailEnc) {
          const address = await cipher.decrypt(user.emailEnc);
          const sent = await gateways.email.send(tx, {
            to: address,
            subject: content.email.subject,
            text: content.email.text,
            dedupeKey: `${ctx.dedupeKey}:email`,
          });
          if (!sent.ok && sent.code === "rate_limited") throw new Error("e-mail rate limited; retry later");
          if (!sent.ok) {
            logJob("warn", "notification_email_rejected", { dedupeKey: ctx.dedupeKey, code: sent.code });
          }
        }
      });
    },
  });
}

/** The `notification` handler with the sandbox gateways. */
export const notificationHandler: QueueHandler<typeof notificationSchema> = createNotificationHandler();

/** What {@link notify} accepts: a notification plus an optional idempotency key. */
export type NotifyInput =
  & (
    | { userId: string; kind: "welcome"; payload?: Record<string, never> }
    | { userId: string; kind: "password_changed"; payload?: { changedAt?: string } }
    | {
      userId: string;
      kind: "generic";
      payload: { title: string; body: string; channels?: ("sms" | "email")[] };
    }
  )
  & {
    /**
     * Makes the notification idempotent: the same (kind, user, key) is delivered once. Default: `once`
     * for `welcome` (a user is welcomed once), a random key otherwise.
     */
    key?: string;
  };

/**
 * Queue a notification for a user. Returns the dedupe key.
 *
 * @throws {z.ZodError} when the input is invalid (a programming error).
 */
export async function notify(kv: Deno.Kv, input: NotifyInput): Promise<{ dedupeKey: string }> {
  const key = input.key ?? (input.kind === "welcome" ? "once" : crypto.randomUUID());
  const dedupeKey = `${NOTIFICATION_TYPE}:${input.kind}:${input.userId}:${key}`;
  const payload = input.kind === "password_changed"
    ? { changedAt: input.payload?.changedAt ?? new Date().toISOString() }
    : input.payload ?? {};
  await enqueue(kv, notificationHandler, { userId: input.userId, kind: input.kind, payload } as z.input<
    typeof notificationSchema
  >, { dedupeKey });
  return { dedupeKey };
}
