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
import { fieldErrorsFrom } from "../../domain/shared/field_errors.ts";
import { sendRegisterSmsCode } from "../../domain/accounts/register_sms_code.ts";
import { SMS_CODE_MESSAGES } from "../../domain/accounts/sms_code.ts";
import { sandboxSms } from "../../integrations/sms.ts";
import { clientIp, define } from "../../utils.ts";

const bodySchema = z.object({
  phone: z.string({ error: "请输入手机号码" }).trim().min(1, { error: "请输入手机号码" }).max(30, {
    error: SMS_CODE_MESSAGES.invalid_phone,
  }),
  purpose: z.enum(["register"], { error: "验证码用途无效" }),
});

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
      return ctx.json({ error: { code: "invalid_input", fields: fieldErrorsFrom(parsed.error, "phone") } }, {
        status: 400,
      });
    }
    const result = await sendRegisterSmsCode(
      ctx.state.sql,
      { rawPhone: parsed.data.phone, ip: clientIp(ctx.info) },
      { sms: sandboxSms, cipher: ctx.state.pii },
    );
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
