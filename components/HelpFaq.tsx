import type { ComponentChildren } from "preact";
import { PLATFORM_NAME, RISK_LINE, SERVICE_PHONE } from "../domain/shared/brand.ts";
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_LENGTH } from "../domain/accounts/password.ts";
import { SESSION_TIMEOUTS } from "../domain/accounts/session.ts";
import {
  SMS_CODE_MAX_ATTEMPTS,
  SMS_CODE_TTL_SECONDS,
  SMS_PER_PHONE_PER_DAY,
  SMS_RESEND_SECONDS,
} from "../domain/accounts/sms_code.ts";
import { ACCOUNT_LOCKOUT } from "../domain/accounts/login.ts";

/** One FAQ topic: an anchor id, a heading and its questions. */
export interface FaqTopic {
  id: string;
  title: string;
  items: { q: string; a: ComponentChildren }[];
}

const minutes = (seconds: number) => Math.round(seconds / 60);

/** The help centre's topics; the numbers come from the code that enforces them. */
export const FAQ_TOPICS: FaqTopic[] = [
  {
    id: "register",
    title: "注册与登录",
    items: [
      {
        q: "如何注册？",
        a: (
          <>
            在<a href="/register">
              注册页
            </a>
            {"选择「我要出借」或「我要借款」，填写本人手机号码，获取并填写短信验证码，设置登录密码，" +
              "阅读并同意《用户协议》和《隐私政策》后提交。注册成功后会自动登录。"}
          </>
        ),
      },
      {
        q: "出借人和借款人可以用同一个手机号注册吗？",
        a: "一个手机号码只能注册一个账户，注册时选择的身份即账户类型。",
      },
      {
        q: "如何登录和退出？",
        a: (
          <>
            在<a href="/login">
              登录页
            </a>输入手机号码和登录密码。使用公共设备时，请在用完后点击页面顶部的「退出」。
          </>
        ),
      },
    ],
  },
  {
    id: "sms",
    title: "验证码收不到怎么办",
    items: [
      {
        q: "验证码的有效期和发送次数",
        a: `验证码为 6 位数字，${
          minutes(SMS_CODE_TTL_SECONDS)
        } 分钟内有效，只能使用一次，输错 ${SMS_CODE_MAX_ATTEMPTS} 次后需重新获取。` +
          `同一手机号 ${SMS_RESEND_SECONDS} 秒内只能获取一次，每天最多 ${SMS_PER_PHONE_PER_DAY.limit} 次。重新获取后，之前的验证码失效。`,
      },
      {
        q: "一直收不到验证码",
        a: "请确认手机号码填写正确、手机信号正常且未欠费；检查手机的短信拦截或骚扰拦截设置；稍等 1 分钟后重新获取。仍然收不到时请联系客服。",
      },
    ],
  },
  {
    id: "password",
    title: "密码规则",
    items: [
      {
        q: "登录密码有什么要求？",
        a: `至少 ${PASSWORD_MIN_LENGTH} 位（最多 ${PASSWORD_MAX_CHARS} 个字符），不能是常见或容易猜到的密码，如 qq123456、` +
          `woaini1314、生日、键盘顺序或您的手机号。不要求一定包含数字或符号：一句好记的长句子（可以是中文）往往更安全。` +
          `请不要与其他网站使用相同的密码。`,
      },
      {
        q: "忘记密码怎么办？",
        a: (
          <>
            在登录页点击「忘记密码？」，或直接打开<a href="/reset-password">找回密码</a>
            ：输入注册手机号和短信验证码，即可设置新密码（所有设备上的登录会退出）。也可使用「短信验证码登录」。
            如注册手机已不再使用，请致电客服 {SERVICE_PHONE}。客服不会向您索要短信验证码或密码。
          </>
        ),
      },
    ],
  },
  {
    id: "security",
    title: "账户安全",
    items: [
      {
        q: "密码输错多次会怎样？",
        a: `连续输错 ${ACCOUNT_LOCKOUT.maxFailures} 次，账户将锁定 ${
          minutes(ACCOUNT_LOCKOUT.lockSeconds)
        } 分钟，锁定期间无法用密码登录。页面会提示剩余尝试次数和解锁时间。本人可使用「短信验证码登录 / 解锁」，` +
          `验证注册手机号后即可登录并解除锁定。同一网络登录失败过多时，该网络也会暂时无法用密码登录。`,
      },
      {
        q: "为什么需要重新登录？",
        a: `为保护账户安全，${minutes(SESSION_TIMEOUTS.user.idleSeconds)} 分钟无操作或登录满 ${
          SESSION_TIMEOUTS.user.absoluteSeconds / 3600
        } 小时后需要重新登录。`,
      },
      {
        q: "如何保护我的账户？",
        a: "不要把密码和验证码告诉任何人，包括自称平台工作人员的人；不要点击短信中来历不明的链接；发现异常请立即联系客服。",
      },
    ],
  },
  {
    id: "custody",
    title: "资金存管",
    items: [
      {
        q: "什么是银行存管？",
        a: `${PLATFORM_NAME}是网络借贷信息中介平台。用户的资金存放在合作银行为每位用户开立的存管子账户中，充值、出借、还款和提现都由存管银行按用户指令划转，平台不归集、不挪用用户资金，也不设资金池。`,
      },
      {
        q: "存管是否意味着出借没有风险？",
        a: `不是。存管银行只负责资金存管，不对借贷交易提供担保；平台也不提供担保。借款人可能逾期或违约，出借本金和利息可能无法按期或全部收回。${RISK_LINE}。`,
      },
    ],
  },
  {
    id: "contact",
    title: "联系客服",
    items: [
      {
        q: "客服电话和服务时间",
        a: `客服电话 ${SERVICE_PHONE}，工作日 9:00–18:00。来电时请使用注册手机号，便于核验身份。`,
      },
    ],
  },
];

/** The FAQ: a table of contents, then each topic's questions as `<details>` (no script needed). */
export function HelpFaq({ topics }: { topics: FaqTopic[] }) {
  return (
    <>
      <nav class="card" aria-label="帮助目录">
        <ul class="chip-list">
          {topics.map((t) => (
            <li>
              <a href={`#${t.id}`}>{t.title}</a>
            </li>
          ))}
        </ul>
      </nav>
      {topics.map((t) => (
        <section class="card faq" id={t.id} aria-labelledby={`${t.id}-title`}>
          <h2 id={`${t.id}-title`}>{t.title}</h2>
          {t.items.map((item) => (
            <details>
              <summary>{item.q}</summary>
              <p>{item.a}</p>
            </details>
          ))}
        </section>
      ))}
    </>
  );
}
