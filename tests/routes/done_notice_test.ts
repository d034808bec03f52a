/** `doneNotice`: the notice of `?done=<key>` comes from the page's own keys only. */
import assert from "node:assert/strict";
import { doneNotice } from "../../utils.ts";

Deno.test("doneNotice: a known key gives its notice; unknown and inherited keys give none", () => {
  const notices = { saved: "已保存" };
  assert.equal(doneNotice(new URL("http://x/a?done=saved"), notices), "已保存");
  assert.equal(doneNotice(new URL("http://x/a"), notices), null);
  assert.equal(doneNotice(new URL("http://x/a?done=other"), notices), null);
  for (const inherited of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.equal(doneNotice(new URL(`http://x/a?done=${inherited}`), notices), null, inherited);
  }
});
