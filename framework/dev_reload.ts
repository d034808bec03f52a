/**
 * Development live reload: an SSE endpoint that sends the server's boot id; the page script reloads
 * when the id changes (i.e. after `dev.ts` rebuilt and the server restarted).
 * @module
 */

/** URL of the SSE endpoint. */
export const RELOAD_PATH = "/_frsh/reload";
/** URL of the page script. */
export const RELOAD_SCRIPT_PATH = "/_frsh/reload.js";
/** Tag appended to pages in dev mode. */
export const RELOAD_SCRIPT_TAG = `<script type="module" src="${RELOAD_SCRIPT_PATH}"></script>`;

const SCRIPT = `let first;const es=new EventSource(${JSON.stringify(RELOAD_PATH)});` +
  `es.onmessage=(e)=>{if(first===undefined)first=e.data;else if(e.data!==first)location.reload();};`;

const bootId = crypto.randomUUID();

/** Answers the dev reload endpoints, or returns null for other paths. */
export function devReloadResponse(pathname: string): Response | null {
  if (pathname === RELOAD_SCRIPT_PATH) {
    return new Response(SCRIPT, {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" },
    });
  }
  if (pathname !== RELOAD_PATH) return null;
  let timer: ReturnType<typeof setInterval> | undefined;
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(`retry: 300\ndata: ${bootId}\n\n`));
      timer = setInterval(() => {
        try {
          controller.enqueue(enc.encode(": ping\n\n"));
        } catch {
          clearInterval(timer);
        }
      }, 15_000);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}
