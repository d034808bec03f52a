/**
 * `/admin/users/[id]` — 用户详情 (users.view): the user with masked personal data, identity, custody
 * account, cards, balances, recent journal lines and tags. Forms (CSRF-checked POST, `intent`):
 * - `reveal` 查看完整信息 (users.pii): the same page with full data, audited `users.pii_reveal`;
 * - `status` 正常 / 冻结 / 注销 with a reason (users.manage), audited `users.status`;
 * - `tag_add` / `tag_remove` (users.manage), audited.
 * Bad input answers 422 with the message next to the field; a refused permission 403.
 */
import type { ComponentChildren } from "preact";
import { CsrfField, Field, SelectField } from "../../../components/Field.tsx";
import { type Column, DataTable } from "../../../components/DataTable.tsx";
import { StatusBadge } from "../../../components/admin/StatusBadge.tsx";
import { HttpError, page, readForm } from "../../../framework/mod.ts";
import {
  addUserTag,
  getUserDetail,
  removeUserTag,
  revealUserDetail,
  SETTABLE_USER_STATUSES,
  setUserStatus,
  USER_ADMIN_MESSAGES,
  type UserDetail,
} from "../../../domain/admin/user_detail.ts";
import { USER_STATUS_LABELS } from "../../../domain/admin/users.ts";
import { ACCOUNT_KIND_LABELS, BUSINESS_TYPE_LABELS } from "../../../domain/ledger/accounts.ts";
import type { UserLineRow } from "../../../domain/ledger/ledger.ts";
import { formatFen } from "../../../domain/money/format.ts";
import { formatCount } from "../../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../../domain/shared/shanghai_time.ts";
import { can } from "../../../domain/staff/permissions.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

interface DetailPageData {
  detail: UserDetail;
  notice: string | null;
  statusForm: { status: string; reason: string };
  statusErrors: Record<string, string[]>;
  tagForm: { tag: string };
  tagErrors: Record<string, string[]>;
}

const NOTICES: Record<string, string> = {
  status: "账户状态已变更，已记入操作日志。",
  unchanged: "状态未变化，无需操作。",
  tag_added: "标签已添加。",
  tag_removed: "标签已移除。",
};

async function load(state: State, id: string): Promise<UserDetail> {
  const detail = await getUserDetail(state.sql, state.pii, id);
  if (!detail) throw new HttpError(404);
  return detail;
}

function render(
  detail: UserDetail,
  partial: Partial<Omit<DetailPageData, "detail">>,
  status = 200,
) {
  return page<DetailPageData>({
    detail,
    notice: partial.notice ?? null,
    statusForm: partial.statusForm ?? { status: "", reason: "" },
    statusErrors: partial.statusErrors ?? {},
    tagForm: partial.tagForm ?? { tag: "" },
    tagErrors: partial.tagErrors ?? {},
  }, { status });
}

function httpStatusFor(code: string): number {
  if (code === "forbidden") return 403;
  if (code === "not_found") return 404;
  if (code === "invalid_input") return 422;
  return 409;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "用户详情";
    const detail = await load(ctx.state, ctx.params.id);
    return render(detail, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "用户详情";
    const id = ctx.params.id;
    const form = await readForm(ctx.req);
    const text = formText(form);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const intent = text("intent", 20);
    const self = `/admin/users/${encodeURIComponent(id)}`;
    if (intent === "reveal") {
      const result = await revealUserDetail(ctx.state.sql, { cipher: ctx.state.pii, userId: id }, actor);
      if (!result.ok) throw new HttpError(httpStatusFor(result.code));
      return render(result.detail, {});
    }
    if (intent === "status") {
      const statusForm = { status: text("status", 20), reason: text("reason", 400) };
      const result = await setUserStatus(
        ctx.state.sql,
        { userId: id, ...statusForm, outbox: ctx.state.outbox },
        actor,
      );
      if (result.ok) return ctx.redirect(`${self}?done=${result.changed ? "status" : "unchanged"}`, 303);
      if (result.code === "not_found") throw new HttpError(404);
      const statusErrors = result.code === "invalid_input"
        ? result.fields
        : { form: [USER_ADMIN_MESSAGES[result.code]] };
      return render(await load(ctx.state, id), { statusForm, statusErrors }, httpStatusFor(result.code));
    }
    if (intent === "tag_add" || intent === "tag_remove") {
      const tagForm = { tag: text("tag", 100) };
      const command = intent === "tag_add" ? addUserTag : removeUserTag;
      const result = await command(ctx.state.sql, { userId: id, tag: tagForm.tag }, actor);
      if (result.ok) {
        return ctx.redirect(`${self}?done=${intent === "tag_add" ? "tag_added" : "tag_removed"}`, 303);
      }
      if (result.code === "not_found") throw new HttpError(404);
      const tagErrors = result.code === "invalid_input"
        ? result.fields
        : { tag: [USER_ADMIN_MESSAGES[result.code]] };
      return render(await load(ctx.state, id), { tagForm, tagErrors }, httpStatusFor(result.code));
    }
    return render(await load(ctx.state, id), {}, 400);
  },
});

const LINE_COLUMNS: Column<UserLineRow>[] = [
  { header: "时间", cell: (l) => formatShanghaiDateTime(l.createdAt) },
  { header: "业务类型", text: true, cell: (l) => BUSINESS_TYPE_LABELS[l.businessType] ?? l.businessType },
  { header: "账户", text: true, cell: (l) => ACCOUNT_KIND_LABELS[l.accountKind] ?? l.accountKind },
  { header: "金额", cell: (l) => formatFen(l.amountFen) },
  { header: "变动后余额", cell: (l) => formatFen(l.balanceAfterFen) },
  { header: "关联", text: true, cell: (l) => l.reference },
];

const CUSTODY_STATUS_LABELS: Record<string, string> = {
  opening: "开户中",
  open: "已开通",
  failed: "开户失败",
};

function Kv(props: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

export default define.page<typeof handler>(({ data, state }) => {
  const { detail: d } = data;
  const staff = state.staff;
  const mayManage = can(staff, "users.manage");
  const mayReveal = can(staff, "users.pii");
  const action = `/admin/users/${d.id}`;
  return (
    <>
      <p>
        <a href="/admin/users">← 返回用户列表</a>
      </p>
      <h1>用户详情 · {d.id}</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {d.revealed && (
        <p class="form-error" role="status">以下为完整个人信息，本次查看已记入操作日志。请勿截屏或外传。</p>
      )}
      <section class="card" aria-labelledby="u-basic">
        <h2 id="u-basic">基本信息</h2>
        <dl class="kv-list">
          <Kv label="手机号">{d.phone}</Kv>
          <Kv label="邮箱">{d.email ?? "未绑定"}</Kv>
          <Kv label="类型">{d.kindLabel}</Kv>
          <Kv label="昵称">{d.displayName}</Kv>
          <Kv label="状态">
            <StatusBadge ok={d.status === "active"}>{d.statusLabel}</StatusBadge>
            {d.statusReason && <span class="muted">（原因：{d.statusReason}）</span>}
          </Kv>
          <Kv label="注册时间">{formatShanghaiDateTime(d.createdAt)}</Kv>
          <Kv label="实名认证">
            {d.identity.verifiedAt ? `已认证（${formatShanghaiDateTime(d.identity.verifiedAt)}）` : "未认证"}
          </Kv>
          <Kv label="姓名">{d.identity.realName ?? "—"}</Kv>
          <Kv label="身份证号">{d.identity.idNumber ?? "—"}</Kv>
          <Kv label="存管账户">
            {d.custody
              ? `${d.custody.accountNo}（${CUSTODY_STATUS_LABELS[d.custody.status] ?? d.custody.status}）`
              : "未开通"}
          </Kv>
          <Kv label="银行卡">
            {d.cards.length === 0 ? "未绑定" : (
              <ul class="plain-list">
                {d.cards.map((c) => (
                  <li key={c.id}>{c.bankName} {c.number}{c.isDefault ? "（默认）" : ""}</li>
                ))}
              </ul>
            )}
          </Kv>
        </dl>
        {mayReveal && !d.revealed && (
          <form method="post" action={action}>
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="reveal" />
            <button class="btn btn-secondary" type="submit">查看完整信息（记入操作日志）</button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="u-balances">
        <h2 id="u-balances">资产</h2>
        <dl class="kv-list">
          <Kv label="可用余额">{formatFen(d.balances.availableFen)}</Kv>
          <Kv label="冻结金额">{formatFen(d.balances.frozenFen)}</Kv>
          <Kv label="奖励金">{formatFen(d.balances.rewardFen)}</Kv>
        </dl>
        <h3>最近资金记录（共 {formatCount(d.linesTotal)} 条）</h3>
        <DataTable columns={LINE_COLUMNS} rows={d.lines} empty="暂无资金记录。" hideEmptyTable />
      </section>
      <section class="card" aria-labelledby="u-tags">
        <h2 id="u-tags">标签</h2>
        {d.tags.length === 0 ? <p class="muted">暂无标签。</p> : (
          <ul class="tag-list">
            {d.tags.map((tag) => (
              <li>
                <span class="badge">{tag}</span>
                {mayManage && (
                  <form method="post" action={action} class="inline-form">
                    <CsrfField token={state.csrfToken} />
                    <input type="hidden" name="intent" value="tag_remove" />
                    <input type="hidden" name="tag" value={tag} />
                    <button class="link-button" type="submit" aria-label={`移除标签 ${tag}`}>移除</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        {mayManage && (
          <form method="post" action={action} class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="tag_add" />
            <Field
              name="tag"
              label="新标签"
              maxLength={20}
              value={data.tagForm.tag}
              errors={data.tagErrors.tag}
            />
            <button class="btn btn-secondary" type="submit">添加标签</button>
          </form>
        )}
      </section>
      {mayManage && (
        <section class="card" aria-labelledby="u-status">
          <h2 id="u-status">变更账户状态</h2>
          <p class="muted">
            冻结：可登录查看，但不能充值、提现、出借等资金操作。注销：立即退出且不能再登录，需各项余额为零，注销后不可恢复。
          </p>
          {data.statusErrors.form && <p class="form-error" role="alert">{data.statusErrors.form[0]}</p>}
          <form method="post" action={action} class="stack" novalidate>
            <CsrfField token={state.csrfToken} />
            <input type="hidden" name="intent" value="status" />
            <SelectField
              name="status"
              label="新状态"
              value={data.statusForm.status}
              emptyLabel="请选择"
              required
              options={SETTABLE_USER_STATUSES.map((s) => [s, USER_STATUS_LABELS[s]] as const)}
              errors={data.statusErrors.status}
            />
            <Field
              name="reason"
              label="原因"
              maxLength={200}
              required
              value={data.statusForm.reason}
              errors={data.statusErrors.reason}
            />
            <button class="btn" type="submit">提交</button>
          </form>
        </section>
      )}
    </>
  );
});
