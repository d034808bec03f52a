import assert from "node:assert/strict";
import { createForegroundGauge, FOREGROUND_BUSY_REQUESTS } from "../../jobs/foreground.ts";

Deno.test("foreground: quiet answers at once below the busy count", async () => {
  const gauge = createForegroundGauge();
  for (let i = 0; i < FOREGROUND_BUSY_REQUESTS - 1; i++) gauge.enter();
  const waited = await gauge.quiet({ maxWaitMs: 5_000 });
  assert.ok(waited < 20, `waited ${waited} ms`);
});

Deno.test("foreground: quiet waits while busy and answers once requests end", async () => {
  const gauge = createForegroundGauge();
  for (let i = 0; i < FOREGROUND_BUSY_REQUESTS; i++) gauge.enter();
  let answered = false;
  const quiet = gauge.quiet({ maxWaitMs: 10_000 }).then((ms) => {
    answered = true;
    return ms;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(answered, false, "still busy: the background waits");
  gauge.leave();
  const waited = await quiet;
  assert.ok(waited >= 100 && waited < 5_000, `waited ${waited} ms`);
  assert.equal(gauge.inFlight, FOREGROUND_BUSY_REQUESTS - 1);
});

Deno.test("foreground: quiet gives up waiting after maxWaitMs under endless load", async () => {
  const gauge = createForegroundGauge();
  for (let i = 0; i < FOREGROUND_BUSY_REQUESTS * 10; i++) gauge.enter();
  const waited = await gauge.quiet({ maxWaitMs: 150 });
  assert.ok(waited >= 150 && waited < 2_000, `waited ${waited} ms`);
});

Deno.test("foreground: leave never goes below zero", () => {
  const gauge = createForegroundGauge();
  gauge.leave();
  assert.equal(gauge.inFlight, 0);
  gauge.enter();
  assert.equal(gauge.inFlight, 1);
});
