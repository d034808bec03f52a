import { PLATFORM_NAME, RISK_LINE, SERVICE_PHONE } from "../domain/shared/brand.ts";

/** Site footer: risk disclosure, information disclosure, help, agreements. */
export function SiteFooter() {
  return (
    <footer class="site-footer">
      <div class="container">
        <nav aria-label="页脚">
          <a href="/risk">风险提示</a>
          <a href="/disclosure">信息披露</a>
          <a href="/help">帮助中心</a>
          <a href="/fees">收费标准</a>
          <a href="/help/user-agreement">用户协议</a>
          <a href="/help/privacy-policy">隐私政策</a>
        </nav>
        <p>
          {PLATFORM_NAME}为网络借贷信息中介平台，仅提供信息撮合服务，出借资金由银行存管，平台不提供担保，不对出借本金和收益作任何承诺。{RISK_LINE}。
        </p>
        <p>客服电话 {SERVICE_PHONE}（工作日 9:00–18:00）</p>
      </div>
    </footer>
  );
}
