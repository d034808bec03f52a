import assert from "node:assert/strict";
import { byteRange, storedFileResponse } from "../../../domain/shared/stored_files.ts";

Deno.test("byteRange: one range of bytes, suffixes, clamping; anything else the whole file or 416", () => {
  assert.equal(byteRange(null, 100), null);
  assert.deepEqual(byteRange("bytes=0-9", 100), { start: 0, end: 9 });
  assert.deepEqual(byteRange("bytes=90-", 100), { start: 90, end: 99 });
  assert.deepEqual(byteRange("bytes=90-500", 100), { start: 90, end: 99 });
  assert.deepEqual(byteRange("bytes=-10", 100), { start: 90, end: 99 });
  assert.deepEqual(byteRange("bytes=-500", 100), { start: 0, end: 99 });
  assert.equal(byteRange("bytes=100-", 100), "unsatisfiable");
  assert.equal(byteRange("bytes=-0", 100), "unsatisfiable");
  assert.equal(byteRange("bytes=0-", 0), "unsatisfiable");
  // ignored: several ranges, other units, reversed or malformed
  assert.equal(byteRange("bytes=0-1,5-6", 100), null);
  assert.equal(byteRange("items=0-1", 100), null);
  assert.equal(byteRange("bytes=9-3", 100), null);
  assert.equal(byteRange("bytes=-", 100), null);
});

Deno.test("storedFileResponse: 206 with exactly the asked bytes, 416 past the end, 200 whole", async () => {
  const path = await Deno.makeTempFile();
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
  await Deno.writeFile(path, bytes);
  try {
    const file = { path, contentType: "video/mp4" };
    const part = (await storedFileResponse(file, {}, "bytes=70000-139999"))!;
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 70000-139999/200000");
    assert.equal(part.headers.get("content-length"), "70000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(70000, 140000));
    const tail = (await storedFileResponse(file, {}, "bytes=-5"))!;
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.subarray(199_995));
    const past = (await storedFileResponse(file, {}, "bytes=200000-"))!;
    assert.equal(past.status, 416);
    assert.equal(past.headers.get("content-range"), "bytes */200000");
    const whole = (await storedFileResponse(file))!;
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.equal((await whole.arrayBuffer()).byteLength, 200_000);
    // a player that stops reading early: the file is closed, nothing leaks
    const cut = (await storedFileResponse(file, {}, "bytes=0-"))!;
    await cut.body!.cancel();
  } finally {
    await Deno.remove(path);
  }
});
