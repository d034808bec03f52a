/**
 * UX.md's wording rules on every public page, over the full HTML (header, main and footer): none of the
 * banned promises (保本, 保息, 稳赚, 无风险, 理财产品, 预期收益 — not even negated), the risk line
 * 「市场有风险，出借需谨慎」 and a link to the risk disclosure `/risk`.
 */
import assert from "node:assert/strict";
import { RISK_LINE } from "../../domain/shared/brand.ts";
import { appTest, BANNED_PROMISES, Client } from "../helpers/forms.ts";

/** Every page a visitor can open without logging in. */
const PUBLIC_PAGES = [
  "/",
  "/calculator",
  "/register",
  "/login",
  "/help",
  "/help/user-agreement",
  "/help/privacy-policy",
  "/risk",
  "/disclosure",
] as const;

for (const path of PUBLIC_PAGES) {
  appTest(`compliance: ${path} makes no banned promise, carries the risk line and links /risk`, async () => {
    const { status, html } = await new Client().get(path);
    assert.equal(status, 200, path);
    assert.match(html, /<\/html>\s*$/, "the whole page was read");
    for (const word of BANNED_PROMISES) {
      const at = html.indexOf(word);
      assert.equal(at, -1, `${path} says 「${word}」: …${html.slice(Math.max(0, at - 40), at + 40)}…`);
    }
    assert.ok(html.includes(RISK_LINE), `${path} carries 「${RISK_LINE}」`);
    assert.match(html, /<a [^>]*href="\/risk"/, `${path} links the risk disclosure`);
  });
}
