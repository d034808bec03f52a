/**
 * Uploaded files kept under the data directory (never under `static/`): streaming an upload to disk with a
 * hard size cap, typed by its *content* (the caller's magic-byte sniffer, decided before anything is
 * written), named by a random id; and streaming a stored file back after the caller's access check. Used by
 * the KYC videos (domain/identity/video.ts) and the loan application documents
 * (domain/borrowing/documents.ts).
 * @module
 */
import { createHash } from "node:crypto";

/** How one kind of upload is stored. */
export interface UploadStore<T extends string> {
  /** The folder of the files (created when the first file is written). */
  dir: string;
  /** Largest accepted file, in bytes. */
  maxBytes: number;
  /** Bytes the sniffer wants to see (fewer only when the whole file is shorter). */
  sniffBytes: number;
  /** The file's type by its first bytes, or `null` when it is not accepted. */
  sniff: (head: Uint8Array) => T | null;
  /** The file-name extension of each type. */
  extensions: Readonly<Record<T, string>>;
}

/** Outcome of {@link storeUploadStream}: the stored file (`fileName` relative to the store's `dir`), or why not. */
export type StoreUploadResult<T extends string> =
  | { ok: true; type: T; size: number; sha256: string; fileName: string }
  | { ok: false; problem: "empty" | "too_large" | "wrong_type" };

/**
 * Stream `body` into a new file (mode 0600, random 32-hex name plus the type's extension) under
 * `store.dir` with a hard cap of `store.maxBytes`: the type is decided from the first bytes before anything
 * is written; on any refusal or error the partial file is deleted.
 */
export async function storeUploadStream<T extends string>(
  body: ReadableStream<Uint8Array>,
  store: UploadStore<T>,
): Promise<StoreUploadResult<T>> {
  const reader = body.getReader();
  const hash = createHash("sha256");
  let head = new Uint8Array(0);
  let size = 0;
  let file: Deno.FsFile | null = null;
  let path: string | null = null;
  let type: T | null = null;
  let fileName = "";
  const fail = async (problem: "empty" | "too_large" | "wrong_type"): Promise<StoreUploadResult<T>> => {
    await reader.cancel().catch(() => {});
    file?.close();
    file = null;
    if (path) await Deno.remove(path).catch(() => {});
    return { ok: false, problem };
  };
  const write = async (chunk: Uint8Array) => {
    hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += await file!.write(chunk.subarray(off));
  };
  /** Type the head, open the file and write the head; `false` when the type is not accepted. */
  const start = async (): Promise<boolean> => {
    type = store.sniff(head);
    if (!type) return false;
    await Deno.mkdir(store.dir, { recursive: true });
    fileName = `${crypto.randomUUID().replaceAll("-", "")}.${store.extensions[type]}`;
    path = `${store.dir}/${fileName}`;
    file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    await write(head);
    return true;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value || value.length === 0) continue;
      size += value.length;
      if (size > store.maxBytes) return await fail("too_large");
      if (file) {
        await write(value);
        continue;
      }
      const joined = new Uint8Array(head.length + value.length);
      joined.set(head);
      joined.set(value, head.length);
      head = joined;
      if (head.length >= store.sniffBytes && !(await start())) return await fail("wrong_type");
    }
    if (size === 0) return await fail("empty");
    // shorter than the sniffing window
    if (!file && !(await start())) return await fail("wrong_type");
    (file as Deno.FsFile | null)?.close();
    file = null;
    return { ok: true, type: type!, size, sha256: hash.digest("hex"), fileName };
  } catch (error) {
    (file as Deno.FsFile | null)?.close();
    if (path) await Deno.remove(path).catch(() => {});
    throw error;
  }
}

/** A single byte range of a file, inclusive bounds (RFC 9110 §14.1.2). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks of a file of `sizeBytes`: `null` to send the whole file (no header, a
 * unit other than bytes, several ranges or a malformed one — all allowed to be ignored), `"unsatisfiable"`
 * when the one range asked lies past the end (answered 416). A suffix `bytes=-N` is the last N bytes; an end
 * past the file is clamped.
 */
export function byteRange(header: string | null, sizeBytes: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return sizeBytes === 0 ? "unsatisfiable" : { start: Math.max(0, sizeBytes - suffix), end: sizeBytes - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? sizeBytes - 1 : Math.min(Number(m[2]), sizeBytes - 1);
  if (!Number.isSafeInteger(start) || start >= sizeBytes) return "unsatisfiable";
  if (end < start) return null;
  return { start, end };
}

/** The bytes `[start, end]` of an open file as a stream (closes the file when done or cancelled). */
function rangeStream(handle: Deno.FsFile, range: ByteRange): ReadableStream<Uint8Array> {
  let left = range.end - range.start + 1;
  let positioned = false;
  const CHUNK_BYTES = 64 * 1024;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!positioned) {
          await handle.seek(range.start, Deno.SeekMode.Start);
          positioned = true;
        }
        const buf = new Uint8Array(Math.min(CHUNK_BYTES, left));
        const n = await handle.read(buf);
        if (n === null || n === 0) {
          handle.close();
          controller.close();
          return;
        }
        left -= n;
        controller.enqueue(buf.subarray(0, n));
        if (left <= 0) {
          handle.close();
          controller.close();
        }
      } catch (error) {
        try {
          handle.close();
        } catch { /* closed already */ }
        controller.error(error);
      }
    },
    cancel() {
      try {
        handle.close();
      } catch { /* closed already */ }
    },
  });
}

/**
 * The HTTP answer streaming a stored file (after the caller's access check): its type by content, `inline`,
 * never cached, never sniffed, plus `extraHeaders`. `null` when the file is missing on disk. With the
 * request's `Range` header (`rangeHeader`), one byte range is answered 206 with `Content-Range` (video
 * players seek this way), a range past the end 416; `Accept-Ranges: bytes` says so.
 */
export async function storedFileResponse(
  file: { path: string; contentType: string },
  extraHeaders: Record<string, string> = {},
  rangeHeader: string | null = null,
): Promise<Response | null> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file.path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const size = (await handle.stat()).size;
  const headers: Record<string, string> = {
    "content-type": file.contentType,
    "content-disposition": "inline",
    "cache-control": "no-store, private",
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
    ...extraHeaders,
  };
  const range = byteRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    handle.close();
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
  }
  if (range) {
    return new Response(rangeStream(handle, range), {
      status: 206,
      headers: {
        ...headers,
        "content-range": `bytes ${range.start}-${range.end}/${size}`,
        "content-length": String(range.end - range.start + 1),
      },
    });
  }
  return new Response(handle.readable, { headers: { ...headers, "content-length": String(size) } });
}
