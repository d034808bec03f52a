/**
 * Raw HTTP/1.1 requests for the tests of methods that neither `fetch` nor `new Request()` can send
 * (TRACE, TRACK, CONNECT) but that still reach a `Deno.serve` server.
 */

/** Sends one raw HTTP/1.1 request and returns the status line's code and the headers. */
export async function raw(
  port: number,
  method: string,
  target: string,
  body = "",
): Promise<{ status: number; headers: Headers; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = new TextEncoder().encode(body);
    const head = `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
      (body ? `Content-Type: text/plain\r\nContent-Length: ${bytes.byteLength}\r\n` : "") + "\r\n";
    await conn.write(new TextEncoder().encode(head));
    if (body) await conn.write(bytes);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    const [statusLine, ...lines] = text.split("\r\n\r\n")[0].split("\r\n");
    const headers = new Headers();
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i > 0) headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
    }
    return { status: Number(statusLine.split(" ")[1]), headers, text };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

/** Methods no route may answer, in several spellings. */
export const ODD = ["TRACE", "TRACK", "CONNECT", "trace", "PROPFIND"] as const;

/** The request target: authority form for CONNECT, else the path. */
export function targetFor(method: string, path: string): string {
  return method.toUpperCase() === "CONNECT" ? "localhost:80" : path;
}
