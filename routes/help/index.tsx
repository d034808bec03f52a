/** `/help` — 帮助中心: answers to common questions and the agreements. @module */
import { page } from "../../framework/mod.ts";
import { FAQ_TOPICS, HelpFaq } from "../../components/HelpFaq.tsx";
import { currentAgreements } from "../../domain/accounts/agreements.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "帮助中心";
    return page();
  },
});

/** The help centre. */
export default define.page(() => (
  <>
    <h1>帮助中心</h1>
    <HelpFaq topics={FAQ_TOPICS} />
    <section class="card" aria-labelledby="docs-title">
      <h2 id="docs-title">协议与政策</h2>
      <ul class="plain-list">
        {currentAgreements().map((a) => (
          <li>
            <a href={a.href}>{a.title}</a>{" "}
            <span class="muted">（版本 {a.version}，{a.effectiveDate} 生效）</span>
          </li>
        ))}
        <li>
          <a href="/risk">风险提示</a>
        </li>
      </ul>
    </section>
  </>
));
