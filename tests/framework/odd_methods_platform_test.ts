/**
 * TRACE, TRACK and CONNECT sent to the whole platform (`tests/helpers/app.ts`, served on a loopback
 * port: neither `fetch` nor `new Request()` can carry these methods) never answer 500 — every path
 * answers 405 with `Allow` or 501, with the security headers.
 */
import assert from "node:assert/strict";
import { serveTestApp } from "../helpers/app.ts";
import { ODD, raw, targetFor } from "./raw_http.ts";

Deno.test("the whole platform: TRACE, TRACK and CONNECT never answer 500", async () => {
  const { baseUrl, server } = await serveTestApp();
  const port = Number(new URL(baseUrl).port);
  try {
    for (const method of ODD) {
      for (const path of ["/", "/login", "/admin/users", "/no-such-page", "/styles.css"]) {
        for (const body of ["", "a=1"]) {
          const res = await raw(port, method, targetFor(method, path), body);
          assert.ok(res.status === 405 || res.status === 501, `${method} ${path}: ${res.status}`);
          if (res.status === 405) assert.ok(res.headers.get("allow"), `${method} ${path}: Allow`);
          assert.ok(res.headers.get("content-security-policy"), `${method} ${path}: security headers`);
        }
      }
    }
  } finally {
    await server.shutdown();
  }
});
