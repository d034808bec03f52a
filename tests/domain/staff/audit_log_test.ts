import assert from "node:assert/strict";
import { auditRowHash, canonicalJson } from "../../../domain/staff/audit_log.ts";

Deno.test("audit: canonical JSON sorts keys at every level and drops undefined", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: "x" }, u: undefined }),
    '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
  );
  assert.equal(canonicalJson(null), "null");
  assert.equal(canonicalJson("中文"), '"中文"');
});

Deno.test("audit: row hash depends on every field and on the previous hash", async () => {
  const row = {
    staffId: "1",
    action: "staff.login",
    target: "staff:1",
    detail: { a: 1 },
    ip: "1.2.3.4",
    createdAt: new Date(0),
  };
  const h = await auditRowHash(null, row);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(await auditRowHash(null, { ...row, detail: { a: 1 } }), h);
  assert.notEqual(await auditRowHash("x", row), h);
  assert.notEqual(await auditRowHash(null, { ...row, detail: { a: 2 } }), h);
  assert.notEqual(await auditRowHash(null, { ...row, ip: null }), h);
  assert.notEqual(await auditRowHash(null, { ...row, createdAt: new Date(1) }), h);
  assert.notEqual(await auditRowHash(null, { ...row, staffId: "2" }), h);
});
