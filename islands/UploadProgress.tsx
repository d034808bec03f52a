/**
 * The submit button of a file upload form. Without script it is a plain submit button and the form posts
 * as usual. Hydrated, it sends the form (all its fields, the `_csrf` one included, exactly as the form
 * would) with `XMLHttpRequest`, shows a `<progress>` bar, refuses a file over `maxBytes` before sending
 * it, shows the server's field errors, and on a network or server failure offers 「重试」, which sends
 * the same file again. A success (the server's redirect) opens the page redirected to.
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";

/** Props of the island (plain data only). */
export interface UploadProgressProps {
  /** The button's text, e.g. 「上传」. */
  label: string;
  /** Largest file accepted (bytes); a larger one is refused before sending. */
  maxBytes: number;
  /** Message for a file over `maxBytes`. */
  tooLargeMessage: string;
}

type Phase = "idle" | "sending" | "failed";

/** The error texts (`.field-error`, `.form-error`) of a page the server answered with. */
function errorsOf(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const texts = [...doc.querySelectorAll("main .field-error, main .form-error")]
    .map((el) => (el.textContent ?? "").trim())
    .filter(Boolean);
  return texts.join("；");
}

/** The upload button with its progress bar and retry. */
export default function UploadProgress(props: UploadProgressProps) {
  const button = useRef<HTMLButtonElement>(null);
  const pending = useRef<FormData | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [percent, setPercent] = useState(0);
  const [message, setMessage] = useState("");

  function send(data: FormData) {
    const form = button.current?.form;
    if (!form) return;
    pending.current = data;
    setPhase("sending");
    setPercent(0);
    setMessage("");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("accept", "text/html");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) setPercent(Math.floor((e.loaded / e.total) * 100));
    };
    const fail = (text: string) => {
      setPhase("failed");
      setMessage(text);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        location.assign(xhr.responseURL || form.action);
        return;
      }
      if (xhr.status >= 400 && xhr.status < 500) {
        // the form's own refusal (type, size, kind…): fix and send again; nothing to retry as is
        pending.current = null;
        setPhase("idle");
        setMessage(errorsOf(xhr.responseText) || `上传失败（${xhr.status}），请刷新页面后重试`);
        return;
      }
      fail("上传失败，服务暂时不可用，请重试");
    };
    xhr.onerror = () => fail("网络异常，上传中断，请检查网络后重试");
    xhr.ontimeout = xhr.onerror;
    xhr.send(data);
  }

  useEffect(() => {
    const form = button.current?.form;
    if (!form) return;
    const onSubmit = (e: SubmitEvent) => {
      e.preventDefault();
      const file = form.querySelector<HTMLInputElement>("input[type=file]")?.files?.[0];
      if (file && file.size > props.maxBytes) {
        setMessage(props.tooLargeMessage);
        return;
      }
      send(new FormData(form));
    };
    form.addEventListener("submit", onSubmit);
    return () => form.removeEventListener("submit", onSubmit);
  }, []);

  const sending = phase === "sending";
  return (
    <div class="stack upload-progress">
      <button
        ref={button}
        type="submit"
        class="btn btn-block btn-secondary"
        disabled={sending}
        data-testid="upload-submit"
      >
        {sending ? "上传中…" : props.label}
      </button>
      {sending && (
        <p>
          <label>
            已上传 {percent}%
            <progress max={100} value={percent} data-testid="upload-progress" />
          </label>
        </p>
      )}
      {message && <p class="form-error" role="alert" data-testid="upload-message">{message}</p>}
      {phase === "failed" && (
        <button
          type="button"
          class="btn btn-block"
          data-testid="upload-retry"
          onClick={() => pending.current && send(pending.current)}
        >
          重试
        </button>
      )}
    </div>
  );
}
