/** 页面不存在: the page for unknown paths (status 404), inside the public site chrome. */
import { define } from "../utils.ts";

export const title = "页面不存在";

export default define.page(({ url }) => (
  <section class="card error-page">
    <h1>页面不存在</h1>
    <p>抱歉，您访问的页面不存在或已被移除。请检查网址是否正确。</p>
    <p class="muted mono">{url.pathname.slice(0, 200)}</p>
    <p class="btn-row">
      <a class="btn" href="/">返回首页</a>
      <a class="btn btn-secondary" href="/help">帮助中心</a>
    </p>
  </section>
));
