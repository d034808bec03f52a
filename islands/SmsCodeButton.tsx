/**
 * The 「获取验证码」 button. Without script it is a submit button (`intent=send_code`, `formnovalidate`)
 * and the server sends the code and re-renders the form. Hydrated, it posts `{ phone, purpose }` to
 * `/api/sms_code` instead, counts down 「60 秒后重发」 and shows the server's error next to the phone field.
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { JSX } from "preact";

/** Props of the island (plain data only). */
export interface SmsCodeButtonProps {
  /** The page's CSRF token, sent as `X-CSRF-Token`. */
  csrfToken: string;
  /** What the code is for: 注册, or 短信验证码登录 / 解锁. */
  purpose: "register" | "login";
  /** Id of the phone `<input>` (its field shows the errors). */
  phoneInputId: string;
  /** Id of the code `<input>` (focused after a send). */
  codeInputId: string;
  /** Start counting down at once (the server has just sent a code, or asked to wait). */
  initialCountdownSeconds?: number;
  /** A status line shown under the row at first (e.g. 「验证码已发送」 after a send without script). */
  initialStatus?: string;
}

/** Longest wait the button counts down; longer throttles only show the message. */
const MAX_COUNTDOWN_SECONDS = 120;

/** Show (or, with `null`, clear) an error under a field rendered by `components/Field.tsx`. */
function setFieldError(inputId: string, text: string | null): void {
  const input = document.getElementById(inputId);
  const field = input?.closest(".form-field");
  if (!input || !field) return;
  const errorId = `${inputId}-error`;
  let p = document.getElementById(errorId);
  if (text === null) {
    p?.remove();
    input.removeAttribute("aria-invalid");
    return;
  }
  if (!p) {
    p = document.createElement("p");
    p.id = errorId;
    p.className = "field-error";
    p.setAttribute("role", "alert");
    field.appendChild(p);
    const described = (input.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
    if (!described.includes(errorId)) {
      input.setAttribute("aria-describedby", [...described, errorId].join(" "));
    }
  }
  p.textContent = text;
  input.setAttribute("aria-invalid", "true");
}

interface ApiError {
  error?: { code?: string; message?: string; retryAfterSeconds?: number; fields?: Record<string, string[]> };
}

/** The SMS code button with its countdown. */
export default function SmsCodeButton(props: SmsCodeButtonProps) {
  const initial = props.initialCountdownSeconds ?? 0;
  const [remaining, setRemaining] = useState(initial <= MAX_COUNTDOWN_SECONDS ? initial : 0);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState(props.initialStatus ?? "");
  const [hydrated, setHydrated] = useState(false);

  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (remaining <= 0) return;
    const timer = setTimeout(() => setRemaining((r) => r - 1), 1000);
    return () => clearTimeout(timer);
  }, [remaining]);

  async function send(event: JSX.TargetedMouseEvent<HTMLButtonElement>) {
    event.preventDefault();
    if (busy || remaining > 0) return;
    const input = document.getElementById(props.phoneInputId) as HTMLInputElement | null;
    const phone = input?.value.trim() ?? "";
    if (phone === "") {
      setFieldError(props.phoneInputId, "请输入手机号码");
      input?.focus();
      return;
    }
    setBusy(true);
    setStatus("");
    try {
      const res = await fetch("/api/sms_code", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-csrf-token": props.csrfToken,
        },
        body: JSON.stringify({ phone, purpose: props.purpose }),
      });
      const body = await res.json().catch(() => null) as (ApiError & { resendAfterSeconds?: number }) | null;
      if (res.ok) {
        setFieldError(props.phoneInputId, null);
        setStatus("验证码已发送，5 分钟内有效");
        setRemaining(body?.resendAfterSeconds ?? 60);
        document.getElementById(props.codeInputId)?.focus();
        return;
      }
      const err = body?.error;
      const message = err?.fields?.phone?.[0] ?? err?.message ?? "验证码发送失败，请稍后再试";
      setFieldError(props.phoneInputId, message);
      const wait = err?.retryAfterSeconds ?? 0;
      if (res.status === 429 && wait > 0 && wait <= MAX_COUNTDOWN_SECONDS) setRemaining(wait);
    } catch {
      setFieldError(props.phoneInputId, "网络异常，请检查网络后重试");
    } finally {
      setBusy(false);
    }
  }

  // Before hydration (or without script) the button always submits: a resend too early is answered by
  // the server's throttle message.
  const waiting = hydrated && remaining > 0;
  return (
    <>
      <button
        type="submit"
        name="intent"
        value="send_code"
        formnovalidate
        class="btn btn-secondary sms-code-button"
        disabled={hydrated && (busy || waiting)}
        aria-live="polite"
        data-hydrated={hydrated ? "true" : undefined}
        onClick={send}
      >
        {waiting ? `${remaining} 秒后重发` : busy ? "发送中…" : "获取验证码"}
      </button>
      {status && <span class="sms-code-status" role="status">{status}</span>}
    </>
  );
}
