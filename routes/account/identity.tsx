/**
 * `/account/identity` — 实名认证: name + 18-digit ID number. Local checks first (checksum, date of birth,
 * age ≥ 18, region code; each message next to its field, 422), then the identity gateway through
 * `verifyIdentity`. Once verified the page shows the masked identity and the custody account's state.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, Field } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { maskIdNumber, maskName } from "../../domain/accounts/pii.ts";
import {
  type IdentityField,
  type IdentityStatus,
  identityStatus,
  verifyIdentity,
  verifyIdentityMessage,
} from "../../domain/identity/identity.ts";
import { SANDBOX_IDENTITIES } from "../../domain/gateways/identity.ts";
import { define } from "../../utils.ts";

interface IdentityPageData {
  status: IdentityStatus;
  realName: string;
  idNumber: string;
  errors: Partial<Record<IdentityField, string[]>>;
  formError?: string;
  notice?: string;
}

const CUSTODY_LABELS = { opening: "开通中", open: "已开通", failed: "开通失败" } as const;

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "实名认证";
    const status = await identityStatus(ctx.state.sql, ctx.state.pii, ctx.state.user!.id);
    const notice = ctx.url.searchParams.get("done") === "1"
      ? "实名认证成功，银行存管账户正在开通。"
      : undefined;
    return page<IdentityPageData>({ status, realName: "", idNumber: "", errors: {}, notice });
  },

  async POST(ctx) {
    ctx.state.title = "实名认证";
    const user = ctx.state.user!;
    const form = await readForm(ctx.req);
    const realName = String(form.get("realName") ?? "").slice(0, 40);
    const idNumber = String(form.get("idNumber") ?? "").slice(0, 40);
    const result = await verifyIdentity(ctx.state.sql, { userId: user.id, realName, idNumber }, {
      pii: ctx.state.pii,
      outbox: ctx.state.outbox,
      gateways: ctx.state.gateways,
    });
    if (result.ok) return ctx.redirect("/account/identity?done=1", 303);
    const status = await identityStatus(ctx.state.sql, ctx.state.pii, user.id);
    const data: IdentityPageData = { status, realName, idNumber, errors: {} };
    if (result.code === "invalid_input") {
      return page<IdentityPageData>({ ...data, errors: result.fields }, { status: 422 });
    }
    const message = verifyIdentityMessage(result);
    switch (result.code) {
      case "id_number_taken":
      case "not_found":
        return page<IdentityPageData>({ ...data, errors: { idNumber: [message] } }, { status: 422 });
      case "mismatch":
        return page<IdentityPageData>({ ...data, errors: { realName: [message] } }, { status: 422 });
      case "pending_review":
        return page<IdentityPageData>({ ...data, realName: "", idNumber: "", notice: message }, {
          status: 202,
        });
      case "throttled":
        return page<IdentityPageData>({ ...data, formError: message }, { status: 429 });
      case "unavailable":
        return page<IdentityPageData>({ ...data, formError: message }, { status: 503 });
      default:
        return page<IdentityPageData>({ ...data, formError: message }, { status: 409 });
    }
  },
});

/** The real-name verification page. */
export default define.page<typeof handler>(({ data, state }) => {
  const v = data.status.verified;
  return (
    <div class="card auth-card">
      <h1>实名认证</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {v
        ? (
          <>
            <dl class="kv-list" data-testid="identity-verified">
              <dt>认证状态</dt>
              <dd>
                <span class="badge">已认证</span>
              </dd>
              <dt>真实姓名</dt>
              <dd data-field="realName">{maskName(v.realName)}</dd>
              <dt>身份证号</dt>
              <dd data-field="idNumber">{maskIdNumber(v.idNumber)}</dd>
              <dt>认证时间</dt>
              <dd>
                <LocalTime at={v.verifiedAt} withTime />
              </dd>
              <dt>银行存管账户</dt>
              <dd data-field="custody">
                {data.status.custody ? CUSTODY_LABELS[data.status.custody.status] : "开通中"}
                {data.status.custody?.status === "failed" && data.status.custody.failureReason &&
                  `（${data.status.custody.failureReason}）`}
              </dd>
            </dl>
            <p>
              <a href="/account/cards" class="btn">绑定银行卡</a>
            </p>
          </>
        )
        : (
          <>
            <p class="muted">
              根据监管要求，出借或借款前须完成实名认证。请填写与身份证一致的姓名和号码，未满 18 周岁不能认证。
              一个身份证号码只能认证一个账户。
            </p>
            {data.status.pendingReview && (
              <p class="form-note" role="status">
                您于 <LocalTime at={data.status.pendingReview.createdAt} withTime />{" "}
                提交的认证信息正在人工审核，审核结果将通过消息通知您。
              </p>
            )}
            {data.status.lastRejection && !data.status.pendingReview && (
              <p class="form-error" role="status">
                上次认证未通过人工审核{data.status.lastRejection.reason
                  ? `：${data.status.lastRejection.reason}`
                  : ""}
              </p>
            )}
            {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
            <form method="post" action="/account/identity" class="stack" novalidate>
              <CsrfField token={state.csrfToken} />
              <Field
                name="realName"
                label="真实姓名"
                autocomplete="name"
                maxLength={20}
                required
                value={data.realName}
                errors={data.errors.realName}
              />
              <Field
                name="idNumber"
                label="身份证号码"
                autocomplete="off"
                maxLength={18}
                placeholder="18 位身份证号码"
                required
                value={data.idNumber}
                errors={data.errors.idNumber}
                hint="最后一位为 X 时请输入 X"
              />
              <button type="submit" class="btn btn-block">提交认证</button>
            </form>
            {state.config.demo && (
              <details class="sandbox-note">
                <summary>演示环境：可通过的测试身份</summary>
                <ul class="plain-list">
                  {SANDBOX_IDENTITIES.slice(5).map((i) => (
                    <li key={i.idNumber} class="mono">{i.realName} {i.idNumber}</li>
                  ))}
                </ul>
              </details>
            )}
          </>
        )}
    </div>
  );
});
