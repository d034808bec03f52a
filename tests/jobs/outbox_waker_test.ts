import assert from "node:assert/strict";
import { createOutboxWaker, OUTBOX_WAKE_TYPE, WAKE_COALESCE_MAX_MS } from "../../jobs/outbox_relay.ts";
import type { QueueMessage } from "../../jobs/queue.ts";

/** A KV store in memory with its queue's messages collected as they arrive. */
async function collectingKv(): Promise<{ kv: Deno.Kv; received: QueueMessage[]; close(): Promise<void> }> {
  const kv = await Deno.openKv(":memory:");
  const received: QueueMessage[] = [];
  const listening = kv.listenQueue((m) => {
    received.push(m as QueueMessage);
  });
  return {
    kv,
    received,
    async close() {
      kv.close();
      await listening;
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("outbox waker: commits while a message is on its way join it instead of sending their own", async () => {
  const q = await collectingKv();
  try {
    const waker = createOutboxWaker(q.kv);
    await waker.wake(["1"]);
    await waker.wake(["2", "3"]);
    await waker.wake(["4"]);
    await until("the first message", () => q.received.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(q.received.length, 1, "one message for four commits");
    const m = q.received[0];
    assert.equal(m.type, OUTBOX_WAKE_TYPE);
    assert.deepEqual(m.payload, { ids: ["1"] });
    // the handler takes its own ids and every id gathered since
    assert.deepEqual(waker.take(["1"]).sort(), ["1", "2", "3", "4"]);
    assert.deepEqual(waker.take(["1"]), ["1"], "taken ids are cleared");
    // once taken, the next commit sends a new message
    await waker.wake(["5"]);
    await until("the second message", () => q.received.length === 2);
    assert.deepEqual(q.received[1].payload, { ids: ["5"] });
  } finally {
    await q.close();
  }
});

Deno.test("outbox waker: a message not taken in time (another process, lost) is followed by a new one", async () => {
  const q = await collectingKv();
  try {
    let nowMs = 1_000_000;
    const waker = createOutboxWaker(q.kv, () => nowMs);
    await waker.wake(["10"]);
    await waker.wake(["11"]);
    nowMs += WAKE_COALESCE_MAX_MS;
    await waker.wake(["12"]);
    await until("two messages", () => q.received.length === 2);
    // (the KV queue keeps no order between messages)
    const carried = q.received.map((m) => (m.payload as { ids: string[] }).ids.sort())
      .sort((a, b) => a.length - b.length);
    assert.deepEqual(carried, [["10"], ["10", "11", "12"]], "the second carries every id not yet taken");
  } finally {
    await q.close();
  }
});

Deno.test("outbox waker: ids of a failed delivery are put back for the message's redelivery", async () => {
  const q = await collectingKv();
  try {
    const waker = createOutboxWaker(q.kv);
    await waker.wake(["20"]);
    await waker.wake(["21"]);
    const taken = waker.take(["20"]);
    waker.putBack(taken);
    assert.deepEqual(waker.take(["20"]).sort(), ["20", "21"]);
  } finally {
    await q.close();
  }
});
