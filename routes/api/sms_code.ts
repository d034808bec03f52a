/**
 * `POST /api/sms_code` — send an SMS verification code (JSON, CSRF token in `X-CSRF-Token`).
 *
 * Body `{ "phone": "13812345678", "purpose": "register" }`. Answers
 * - `200 {"ok":true,"resendAfterSeconds":60}`
 * - `400 {"error":{"code":"invalid_input","fields":{"phone":["…"]}}}` (also for a phone already registered)
 * - `429 {"error":{"code":"throttled","retryAfterSeconds":N,"message":"…"}}` with `Retry-After`
 * - `503 {"error":{"code":"send_failed","message":"…"}}`
 *
 * Only `register` is offered: codes for other purposes come with the pages that use them.
 * @module
 */
import { z } from "zod";
import { normalizePhone } from "../../domain/phone.ts";
import { requestSmsCode, SMS_CODE_MESSAGES } from "../../domain/sms_code.ts";
import { REGISTER_MESSAGES } from "../../domain/user.ts";
import { sandboxSms } from "../../integrations/sms.ts";
import { clientIp, define, type State } from "../../utils.ts";

const bodySchema = z.object({
  phone: z.string({ error: "请输入手机号码" }).trim().min(1, { error: "请输入手机号码" }).max(30, {
    error: SMS_CODE_MESSAGES.invalid_phone,
  }),
  purpose: z.enum(["register"], { error: "验证码用途无效" }),
});

/** Outcome of {@link sendRegisterSmsCode}, worded for the phone field. */
export type SendCodeOutcome =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "invalid_phone" | "phone_taken"; message: string }
  | { ok: false; code: "throttled"; message: string; retryAfterSeconds: number }
  | { ok: false; code: "send_failed"; message: string };

/** The throttle message with the wait, e.g. 「验证码发送过于频繁，请 58 秒后再试」. */
export function throttledMessage(retryAfterSeconds: number): string {
  if (retryAfterSeconds <= 120) return `验证码发送过于频繁，请 ${retryAfterSeconds} 秒后再试`;
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return minutes <= 90
    ? `验证码发送过于频繁，请 ${minutes} 分钟后再试`
    : `${SMS_CODE_MESSAGES.throttled}（今日次数已用完）`;
}

/**
 * Send a register code to `rawPhone` (as typed): refuses an invalid or already registered number, then
 * `requestSmsCode` through the sandbox SMS gateway. Shared by this API and the no-script form path.
 */
export async function sendRegisterSmsCode(
  state: Pick<State, "sql" | "pii">,
  rawPhone: string,
  ip: string | null,
): Promise<SendCodeOutcome> {
  const phone = normalizePhone(rawPhone);
  if (!phone) return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
  const phoneHash = await state.pii.hash(phone);
  const [taken] = await state.sql`select 1 from users where phone_hash = ${phoneHash}`;
  if (taken) return { ok: false, code: "phone_taken", message: REGISTER_MESSAGES.phone_taken };
  const sent = await requestSmsCode(state.sql, { phone, purpose: "register", ip }, {
    sms: sandboxSms,
    cipher: state.pii,
  });
  if (sent.ok) return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  switch (sent.code) {
    case "throttled":
      return {
        ok: false,
        code: "throttled",
        message: throttledMessage(sent.retryAfterSeconds),
        retryAfterSeconds: sent.retryAfterSeconds,
      };
    case "invalid_phone":
      return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
    case "send_failed":
      return { ok: false, code: "send_failed", message: SMS_CODE_MESSAGES.send_failed };
  }
}

export const handler = define.handlers({
  async POST(ctx) {
    let raw: unknown;
    try {
      raw = await ctx.req.json();
    } catch {
      raw = null;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return ctx.json({ error: { code: "invalid_input", fields: { body: ["请求内容须为 JSON 对象"] } } }, {
        status: 400,
      });
    }
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) {
      const fields: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) {
        (fields[String(issue.path[0] ?? "phone")] ??= []).push(issue.message);
      }
      return ctx.json({ error: { code: "invalid_input", fields } }, { status: 400 });
    }
    const result = await sendRegisterSmsCode(ctx.state, parsed.data.phone, clientIp(ctx.info));
    if (result.ok) return ctx.json({ ok: true, resendAfterSeconds: result.resendAfterSeconds });
    switch (result.code) {
      case "invalid_phone":
      case "phone_taken":
        return ctx.json({ error: { code: "invalid_input", fields: { phone: [result.message] } } }, {
          status: 400,
        });
      case "throttled":
        return ctx.json(
          {
            error: {
              code: "throttled",
              retryAfterSeconds: result.retryAfterSeconds,
              message: result.message,
            },
          },
          { status: 429, headers: { "retry-after": String(result.retryAfterSeconds) } },
        );
      case "send_failed":
        return ctx.json({ error: { code: "send_failed", message: result.message } }, { status: 503 });
    }
  },
});
