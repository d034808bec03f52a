/**
 * `/disclosure` — 信息披露: who operates the platform, the custody arrangement, contact, and the operating
 * figures computed live from the database (DESIGN.md §5), with the time they were read (数据截至).
 */
import { PLATFORM_NAME, RISK_LINE, SERVICE_PHONE } from "../../domain/shared/brand.ts";
import { formatShareMicros, operatingFigures, shareMicros } from "../../domain/disclosure/figures.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { page } from "../../framework/mod.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "信息披露";
    const figures = await operatingFigures(ctx.state.sql);
    return page({ figures }, { headers: { "cache-control": "no-store" } });
  },
});

export default define.page<typeof handler>(({ data }) => {
  const f = data.figures;
  const rows: [string, string][] = [
    ["累计借贷金额", formatFen(f.cumulativeAmountFen)],
    ["累计借贷笔数", `${formatCount(f.cumulativeCount)} 笔`],
    ["借贷余额", formatFen(f.outstandingAmountFen)],
    ["借贷余额笔数", `${formatCount(f.outstandingCount)} 笔`],
    ["累计出借人数量", `${formatCount(f.cumulativeLenders)} 人`],
    ["累计借款人数量", `${formatCount(f.cumulativeBorrowers)} 人`],
    ["当期出借人数量", `${formatCount(f.currentLenders)} 人`],
    ["当期借款人数量", `${formatCount(f.currentBorrowers)} 人`],
    ["前十大借款人待还金额占比", formatShareMicros(f.top10BorrowerShareMicros)],
    ["最大单一借款人待还金额占比", formatShareMicros(f.largestBorrowerShareMicros)],
    ["逾期金额", formatFen(f.overdueAmountFen)],
    ["逾期笔数", `${formatCount(f.overdueCount)} 笔`],
    ["逾期 90 天以上金额", formatFen(f.overdue90AmountFen)],
    ["逾期 90 天以上笔数", `${formatCount(f.overdue90Count)} 笔`],
    ["金额逾期率", formatShareMicros(shareMicros(f.overdueAmountFen, f.outstandingAmountFen))],
    ["项目逾期率", formatShareMicros(shareMicros(f.overdueCount, f.outstandingCount))],
    ["关联关系借款余额", formatFen(f.relatedPartyAmountFen)],
    ["关联关系借款笔数", `${formatCount(f.relatedPartyCount)} 笔`],
  ];
  const fees: [string, string][] = [
    ["借款服务费（放款时向借款人收取）", formatFen(f.fees.serviceFeeFen)],
    ["利息管理费（从出借人所收利息中扣除）", formatFen(f.fees.interestManagementFeeFen)],
    ["提前还款手续费", formatFen(f.fees.prepaymentFeeFen)],
  ];
  return (
    <>
      <h1>信息披露</h1>
      <p class="risk-note" role="note">
        {RISK_LINE}。平台为信息中介，不提供担保，不对出借本金和收益作任何承诺。详见<a href="/risk">
          风险提示
        </a>。
      </p>

      <section class="card">
        <h2>平台信息</h2>
        <dl class="facts">
          <dt>平台名称</dt>
          <dd>{PLATFORM_NAME}</dd>
          <dt>平台性质</dt>
          <dd>网络借贷信息中介平台（仅提供信息撮合服务）</dd>
          <dt>运营机构</dt>
          <dd>{PLATFORM_NAME}（演示）信息科技有限公司</dd>
          <dt>资金存管</dt>
          <dd>
            示例存管银行股份有限公司 <span class="badge badge-warn">存管安排 · 占位名称</span>
            <div class="muted">
              出借人和借款人的资金由存管银行独立存管，平台不归集、不接触用户资金。正式上线前此处替换为实际签约的存管银行。
            </div>
          </dd>
          <dt>客服电话</dt>
          <dd>{SERVICE_PHONE}（工作日 9:00–18:00）</dd>
        </dl>
      </section>

      <section class="card">
        <h2>运营数据</h2>
        <p class="muted">数据截至 {formatShanghaiDateTime(f.asOf)}（北京时间），实时计算自平台数据库。</p>
        <div class="stats">
          <div class="stat">
            <div class="label">注册用户</div>
            <div class="value">{formatCount(f.registeredUsers)}</div>
          </div>
          <div class="stat">
            <div class="label">注册出借人</div>
            <div class="value">{formatCount(f.registeredInvestors)}</div>
          </div>
          <div class="stat">
            <div class="label">注册借款人</div>
            <div class="value">{formatCount(f.registeredBorrowers)}</div>
          </div>
        </div>
        {!f.hasLoans && <p class="form-ok disclosure-note">平台尚未撮合借款，数据将随业务开展实时更新。</p>}
        <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
          <table class="data disclosure-table">
            <thead>
              <tr>
                <th scope="col">项目</th>
                <th scope="col">数值</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([label, value]) => (
                <tr>
                  <th scope="row" class="text">{label}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="muted">
          累计借贷指已放款的借款（含已结清、已核销）；借贷余额指尚未归还的本金。逾期指借款人未按合同约定日期足额还款，逾期金额为逾期借款的全部未还本金；逾期
          90 天以上指最早一期未还款项逾期超过 90
          天（不含）。关联关系借款指平台关联方作为借款人的借款，平台未撮合此类借款，故为 0。
        </p>
      </section>

      <section class="card">
        <h2>平台收费（累计）</h2>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="收费表格（可左右滑动查看）">
          <table class="data disclosure-table">
            <thead>
              <tr>
                <th scope="col">项目</th>
                <th scope="col">金额</th>
              </tr>
            </thead>
            <tbody>
              {fees.map(([label, value]) => (
                <tr>
                  <th scope="row" class="text">{label}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="muted">
          按记账凭证汇总（冲正已抵减）。收费标准见<a href="/fees">收费标准</a>。
        </p>
      </section>
    </>
  );
});
