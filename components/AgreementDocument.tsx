import type { AgreementVersion } from "../domain/accounts/agreements.ts";
import { PLATFORM_NAME } from "../domain/shared/brand.ts";

/** One numbered section of a legal document. */
export interface LegalSection {
  heading: string;
  paragraphs: string[];
}

/** A legal document page: title, version and effective date, then the numbered sections. */
export function AgreementDocument(props: { agreement: AgreementVersion; sections: LegalSection[] }) {
  const { agreement, sections } = props;
  return (
    <article class="card legal">
      <h1>
        {PLATFORM_NAME}
        {agreement.title}
      </h1>
      <p class="muted">
        版本：{agreement.version}{" "}
        · 生效日期：<time dateTime={agreement.effectiveDate}>{agreement.effectiveDate}</time>
      </p>
      <nav aria-label="目录">
        <ol class="legal-toc">
          {sections.map((s, i) => (
            <li>
              <a href={`#s${i + 1}`}>{s.heading}</a>
            </li>
          ))}
        </ol>
      </nav>
      {sections.map((s, i) => (
        <section id={`s${i + 1}`}>
          <h2>
            {i + 1}. {s.heading}
          </h2>
          {s.paragraphs.map((p, j) => (
            <p>
              {i + 1}.{j + 1} {p}
            </p>
          ))}
        </section>
      ))}
      <p>
        <a href="/help">‹ 返回帮助中心</a>
      </p>
    </article>
  );
}
