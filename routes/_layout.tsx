import { BottomNav, SiteHeader } from "../components/SiteHeader.tsx";
import { SiteFooter } from "../components/SiteFooter.tsx";
import { define } from "../utils.ts";

/** Public site chrome: header, main, footer, bottom navigation on phones. */
export default define.layout(function SiteLayout({ Component, state, url }) {
  return (
    <>
      <SiteHeader
        path={url.pathname}
        user={state.user}
        csrfToken={state.csrfToken}
        demo={state.config.demo}
      />
      <main id="main" class="container">
        <Component />
      </main>
      <SiteFooter />
      <BottomNav path={url.pathname} />
    </>
  );
});
