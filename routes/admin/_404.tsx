/**
 * 页面不存在 under `/admin` (status 404), inside the back-office chrome (the admin layout, not the public
 * header). The admin guard runs first, so only a signed-in staff member whose role may open the path
 * gets here.
 */
import { define } from "../../utils.ts";

/** The document title (the layer sets `state.title` from it). */
export const title = "页面不存在";

export default define.page(({ url }) => (
  <section class="card error-page">
    <h1>页面不存在</h1>
    <p>后台没有这个页面，或它已被移除。请从菜单进入需要的功能。</p>
    <p class="muted mono">{url.pathname.slice(0, 200)}</p>
    <p class="btn-row">
      <a class="btn" href="/admin">返回概览</a>
    </p>
  </section>
));
