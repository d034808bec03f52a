/**
 * Notifications (通知): a command that has something to tell a user calls {@link notify} inside its
 * transaction, which publishes a `notification` event to the outbox. After the commit the outbox relay
 * runs {@link deliverNotification}: in one transaction it writes the message into the user's 消息中心 and
 * publishes the SMS and e-mail of that kind as `sms.send` / `email.send` events, which the relay then
 * hands to the gateways. Every step is idempotent (dedupe keys), so a redelivered event changes nothing.
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { EMAIL_TOPIC } from "../gateways/email.ts";
import { signedSmsText, SMS_TOPIC } from "../gateways/sms.ts";
import { PLATFORM_NAME, SERVICE_PHONE } from "../shared/brand.ts";
import { idSchema } from "../shared/ids.ts";
import { formatShanghaiDateTime } from "../shared/shanghai_time.ts";
import { addMessage } from "./message.ts";

/** Outbox topic of notifications. */
export const NOTIFICATION_TOPIC = "notification";

const userIdSchema = idSchema("用户编号无效");

/** A notification as published: who, which kind, and the kind's parameters. */
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
        sms: signedSmsText(
          `您已成功注册${PLATFORM_NAME}账户，欢迎加入。如非本人操作，请致电 ${SERVICE_PHONE}。`,
        ),
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
        sms: signedSmsText(`您的登录密码已于 ${when} 修改。如非本人操作，请立即致电 ${SERVICE_PHONE}。`),
        email: { subject: `【${PLATFORM_NAME}】${title}`, text: body },
      };
    }
    case "generic": {
      const { title, body, channels } = n.payload;
      return {
        title,
        body,
        sms: channels.includes("sms") ? signedSmsText(`${title}：${body}`) : null,
        email: channels.includes("email") ? { subject: `【${PLATFORM_NAME}】${title}`, text: body } : null,
      };
    }
  }
}

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
 * Publish a notification for a user in `tx` (it is delivered only if `tx` commits). Returns the dedupe
 * key.
 *
 * @throws {z.ZodError} when the input is invalid (a programming error).
 */
export async function notify(tx: Tx, outbox: Outbox, input: NotifyInput): Promise<{ dedupeKey: string }> {
  const key = input.key ?? (input.kind === "welcome" ? "once" : crypto.randomUUID());
  const dedupeKey = `${NOTIFICATION_TOPIC}:${input.kind}:${input.userId}:${key}`;
  const payload = input.kind === "password_changed"
    ? { changedAt: input.payload?.changedAt ?? new Date().toISOString() }
    : input.payload ?? {};
  const notification = notificationSchema.parse({ userId: input.userId, kind: input.kind, payload });
  await outbox.publish(tx, { topic: NOTIFICATION_TOPIC, payload: notification, dedupeKey });
  return { dedupeKey };
}

/** Outcome of {@link deliverNotification}. */
export type DeliverNotificationResult =
  | { ok: true; messageId: string | null; sms: boolean; email: boolean }
  | { ok: false; code: "user_not_found" | "invalid_notification" }
  | { ok: true; skipped: "user_closed" };

/**
 * The command the relay runs for a `notification` event: in one transaction, write the 消息中心 message
 * (deduplicated by `dedupeKey`) and publish the kind's SMS and e-mail. A second delivery of the same event
 * writes and publishes nothing (`messageId: null`).
 */
export async function deliverNotification(
  db: Db,
  input: { notification: unknown; dedupeKey: string },
  deps: { outbox: Outbox; cipher: PiiCipher },
): Promise<DeliverNotificationResult> {
  const parsed = notificationSchema.safeParse(input.notification);
  if (!parsed.success) return { ok: false, code: "invalid_notification" };
  const n = parsed.data;
  return await transaction(db, async (tx): Promise<DeliverNotificationResult> => {
    const [user] = await tx<
      { phoneEnc: Uint8Array; emailEnc: Uint8Array | null; displayName: string | null; status: string }[]
    >`
      select phone_enc as "phoneEnc", email_enc as "emailEnc", display_name as "displayName", status
      from users where id = ${n.userId}`;
    if (!user) return { ok: false, code: "user_not_found" };
    if (user.status === "closed") return { ok: true, skipped: "user_closed" };
    const content = renderNotification(n, user);
    const messageId = await addMessage(tx, {
      userId: n.userId,
      kind: n.kind,
      title: content.title,
      body: content.body,
      dedupeKey: input.dedupeKey,
    });
    if (messageId === null) return { ok: true, messageId: null, sms: false, email: false };
    let sms = false;
    let email = false;
    if (content.sms) {
      const to = await deps.cipher.decrypt(user.phoneEnc);
      await deps.outbox.publish(tx, {
        topic: SMS_TOPIC,
        secret: { to, text: content.sms },
        dedupeKey: `${input.dedupeKey}:sms`,
      });
      sms = true;
    }
    if (content.email && user.emailEnc) {
      const to = await deps.cipher.decrypt(user.emailEnc);
      await deps.outbox.publish(tx, {
        topic: EMAIL_TOPIC,
        secret: { to, subject: content.email.subject, text: content.email.text },
        dedupeKey: `${input.dedupeKey}:email`,
      });
      email = true;
    }
    return { ok: true, messageId, sms, email };
  });
}
