/**
 * `/risk` — 风险提示: the risk disclosure of an online lending information intermediary. Static text;
 * every page that offers a loan links here.
 */
import { PLATFORM_NAME, RISK_LINE, SERVICE_PHONE } from "../domain/shared/brand.ts";
import { define } from "../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "风险提示";
    return ctx.render();
  },
});

const RISKS: { title: string; body: string[] }[] = [
  {
    title: "一、平台性质",
    body: [
      `${PLATFORM_NAME}是网络借贷信息中介平台，仅为出借人和借款人提供信息发布、信息交互、借贷撮合等服务，不是借贷合同的当事人，不吸收公众存款，不设立资金池，不为出借人提供担保，也不对出借本金和收益作任何承诺。`,
      "出借资金由合作银行存管，平台不归集、不直接或间接接触出借人和借款人的资金。",
    ],
  },
  {
    title: "二、市场风险",
    body: [
      "宏观经济形势、行业景气程度、利率水平和资金供求的变化，可能影响借款人的经营和收入，进而影响其按期还款的能力；市场利率的变化也可能使您已出借的约定年化利率低于届时的市场水平。",
    ],
  },
  {
    title: "三、信用风险",
    body: [
      "借款人可能因经营不善、收入下降、疾病、意外或恶意违约等原因，不能按期足额偿还本息。平台对借款人信息进行审核并披露风险等级，但审核不能消除违约的可能；借款人逾期或违约时，出借人可能无法收回部分或全部本金和利息。",
      "平台可协助催收，但催收结果不确定，催收和诉讼可能耗时较长并产生费用。",
    ],
  },
  {
    title: "四、流动性风险",
    body: [
      "出借后资金在借款期限内被占用，原则上不能提前收回。债权转让需要有其他出借人愿意受让，可能无法及时转让或需要折价转让。",
    ],
  },
  {
    title: "五、政策与法律风险",
    body: [
      "网络借贷行业的法律、法规和监管政策可能发生变化，平台的业务范围和运营方式可能因此调整，进而影响已有借贷关系的履行或出借人的权益。",
    ],
  },
  {
    title: "六、信息技术风险",
    body: [
      "系统故障、网络中断、黑客攻击、病毒及第三方服务（银行存管、短信、支付通道）异常，可能导致交易延迟、失败或信息泄露。请妥善保管登录密码、交易密码和短信验证码，不要在公共设备上保存登录状态。",
    ],
  },
  {
    title: "七、操作风险",
    body: [
      "因出借人自身操作失误（如输错金额、泄露密码）、未仔细阅读合同条款或未及时关注借款状态而造成的损失，由出借人自行承担。",
    ],
  },
  {
    title: "八、不可抗力风险",
    body: ["自然灾害、战争、疫情、政府行为等不可抗力事件，可能导致借款无法按约履行或平台服务中断。"],
  },
];

export default define.page(() => (
  <article class="card prose risk-disclosure">
    <h1>风险提示</h1>
    <p class="risk-note" role="note">
      <strong>{RISK_LINE}。</strong>
      出借前请认真阅读本风险提示、借款项目信息及相关协议，充分了解出借的风险，在自身风险承受能力范围内审慎决策。
    </p>
    {RISKS.map((r) => (
      <section>
        <h2>{r.title}</h2>
        {r.body.map((p, i) => <p key={i}>{p}</p>)}
      </section>
    ))}
    <section>
      <h2>九、出借人确认</h2>
      <p>
        平台展示的约定年化利率是借贷合同约定的利率，不代表实际收益，更不是对收益的承诺。历史数据不代表未来表现。平台及其合作机构均不对出借本金和利息提供任何形式的担保。
      </p>
      <p>
        <strong>出借人应自行承担出借可能产生的本金和利息损失。</strong>
        首次出借前，出借人须完成实名认证、绑定银行卡、完成风险承受能力评估并确认本风险提示，且只能出借与自身风险承受能力相匹配的借款项目。
      </p>
    </section>
    <p class="muted">
      如对本风险提示有疑问，请联系客服{" "}
      {SERVICE_PHONE}（工作日 9:00–18:00）。另见<a href="/disclosure">信息披露</a>。
    </p>
  </article>
));
