/**
 * `POST /api/sms_code` — send an SMS verification code (JSON, CSRF token in `X-CSRF-Token`).
 *
 * Body `{ "phone": "13812345678", "purpose": "register" | "login" }`. Answers
 * - `200 {"ok":true,"resendAfterSeconds":60}` — for every valid phone alike: a registered phone asking
 *   for a register code gets a notice instead (「该手机号已注册」, to its owner only), a phone without an
 *   account asking for a log-in code gets nothing; both within the same quotas, so the answer tells
 *   nobody whether a number is registered;
 * - `400 {"error":{"code":"invalid_input","fields":{"phone":["…"]}}}` (a malformed number or purpose)
 * - `429 {"error":{"code":"throttled","retryAfterSeconds":N,"message":"…"}}` with `Retry-After`
 *
 * `register` is for 注册, `login` for 短信验证码登录 / 解锁 (`/login/sms`).
 * @module
 */
import { z } from "zod";
import { fieldErrorsFrom } from "../../domain/shared/field_errors.ts";
import { sendLoginSmsCode } from "../../domain/accounts/login.ts";
import { sendRegisterSmsCode } from "../../domain/accounts/register_sms_code.ts";
import { SMS_CODE_MESSAGES } from "../../domain/accounts/sms_code.ts";
import { define } from "../../utils.ts";

const bodySchema = z.object({
  phone: z.string({ error: "请输入手机号码" }).trim().min(1, { error: "请输入手机号码" }).max(30, {
    error: SMS_CODE_MESSAGES.invalid_phone,
  }),
  purpose: z.enum(["register", "login"], { error: "验证码用途无效" }),
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
    const input = { rawPhone: parsed.data.phone, ip: ctx.state.clientIp };
    const deps = { outbox: ctx.state.outbox, cipher: ctx.state.pii, securityLog: ctx.state.securityLog };
    const result = parsed.data.purpose === "login"
      ? await sendLoginSmsCode(ctx.state.sql, input, deps)
      : await sendRegisterSmsCode(ctx.state.sql, input, deps);
    if (result.ok) return ctx.json({ ok: true, resendAfterSeconds: result.resendAfterSeconds });
    switch (result.code) {
      case "invalid_phone":
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
    }
  },
});
