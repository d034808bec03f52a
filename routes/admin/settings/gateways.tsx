/**
 * `/admin/settings/gateways` — 第三方设置 (system.config): every gateway with its implementation, mode and
 * credentials (values never shown again: 「已设置 ····1234」). Forms (CSRF-checked POST, `intent`): `mode`,
 * `credential`, `remove_credential`, `test` (测试连接). Live mode is refused for a gateway without a real
 * implementation (409 with the reason). Bad input 422 next to the field; every change audited.
 */
import { CsrfField, Field, SelectField } from "../../../components/Field.tsx";
import { StatusBadge } from "../../../components/admin/StatusBadge.tsx";
import { HttpError, page, readForm } from "../../../framework/mod.ts";
import {
  GATEWAY_MODE_LABELS,
  GATEWAY_MODES,
  GATEWAY_SETTINGS_MESSAGES,
  type GatewaySettingView,
  listGatewaySettings,
  removeGatewayCredential,
  setGatewayCredential,
  setGatewayMode,
  testGatewayConnection,
} from "../../../domain/admin/gateway_settings.ts";
import type { GatewayPingResult } from "../../../domain/gateways/ping.ts";
import { formatShanghaiDateTime } from "../../../domain/shared/shanghai_time.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

interface GatewaysPageData {
  list: GatewaySettingView[];
  notice: string | null;
  /** Which gateway the errors and the test result below belong to. */
  gateway: string | null;
  errors: Record<string, string[]>;
  values: { mode: string; name: string };
  test: GatewayPingResult | null;
}

const NOTICES: Record<string, string> = {
  mode: "模式已保存，已记入操作日志。",
  credential: "凭据已保存（已加密，之后不再显示）。",
  removed: "凭据已删除。",
  unchanged: "没有变化。",
};

async function render(state: State, partial: Partial<Omit<GatewaysPageData, "list">>, status = 200) {
  const list = await listGatewaySettings(state.sql, state.gateways);
  return page<GatewaysPageData>({
    list,
    notice: partial.notice ?? null,
    gateway: partial.gateway ?? null,
    errors: partial.errors ?? {},
    values: partial.values ?? { mode: "", name: "" },
    test: partial.test ?? null,
  }, { status });
}

function statusFor(code: string): number {
  if (code === "forbidden") return 403;
  if (code === "unknown_gateway") return 404;
  if (code === "invalid_input") return 422;
  return 409;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "第三方设置";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "第三方设置";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const gateways = ctx.state.gateways;
    const gateway = text("gateway", 40);
    const intent = text("intent", 30);
    const values = { mode: text("mode", 20), name: text("name", 100) };
    if (intent === "test") {
      const result = await testGatewayConnection(ctx.state.sql, { gateways, gateway }, actor);
      if (!result.ok) {
        if (result.code === "forbidden") throw new HttpError(403);
        if (result.code === "unknown_gateway") throw new HttpError(404);
        return await render(
          ctx.state,
          { gateway, errors: { form: [GATEWAY_SETTINGS_MESSAGES.no_ping] } },
          409,
        );
      }
      return await render(ctx.state, { gateway, test: result.ping });
    }
    const result = intent === "mode"
      ? await setGatewayMode(ctx.state.sql, { gateways, gateway, mode: values.mode }, actor)
      : intent === "credential"
      ? await setGatewayCredential(ctx.state.sql, {
        gateways,
        cipher: ctx.state.pii,
        gateway,
        name: values.name,
        value: String(form.get("value") ?? "").slice(0, 5000),
      }, actor)
      : intent === "remove_credential"
      ? await removeGatewayCredential(ctx.state.sql, { gateways, gateway, name: values.name }, actor)
      : null;
    if (!result) return await render(ctx.state, {}, 400);
    if (result.ok) {
      const done = !result.changed
        ? "unchanged"
        : intent === "mode"
        ? "mode"
        : intent === "credential"
        ? "credential"
        : "removed";
      return ctx.redirect(`/admin/settings/gateways?done=${done}`, 303);
    }
    if (result.code === "forbidden") throw new HttpError(403);
    if (result.code === "unknown_gateway") throw new HttpError(404);
    const errors = result.code === "invalid_input"
      ? result.fields
      : result.code === "live_unavailable"
      ? { mode: [GATEWAY_SETTINGS_MESSAGES.live_unavailable] }
      : { form: [GATEWAY_SETTINGS_MESSAGES[result.code]] };
    return await render(ctx.state, { gateway, errors, values }, statusFor(result.code));
  },
});

function GatewayCard(
  props: { g: GatewaySettingView; data: GatewaysPageData; csrfToken: string },
) {
  const { g, data } = props;
  const mine = data.gateway === g.key;
  const errors = mine ? data.errors : {};
  const id = (name: string) => `${g.key}-${name}`;
  return (
    <section class="card" aria-labelledby={id("title")} data-gateway={g.key}>
      <h2 id={id("title")}>{g.label}（{g.key}）</h2>
      <p>
        当前实现：<code>{g.implementation}</code> · 模式：{GATEWAY_MODE_LABELS[g.mode]}
        {g.updatedAt && <span class="muted">（{formatShanghaiDateTime(g.updatedAt)} 更新）</span>}
      </p>
      {!g.liveAvailable && <p class="muted">该通道尚未接入真实服务商，只能使用沙箱模式。</p>}
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      {mine && data.test && (
        <p class={data.test.ok ? "form-ok" : "form-error"} role="status">
          测试连接：{data.test.ok ? "成功" : "失败"}。{data.test.message}
        </p>
      )}
      <form method="post" action="/admin/settings/gateways" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="gateway" value={g.key} />
        <input type="hidden" name="intent" value="mode" />
        <SelectField
          name="mode"
          label="模式"
          value={mine && data.values.mode ? data.values.mode : g.mode}
          emptyLabel="请选择"
          options={GATEWAY_MODES.map((m) => [m, GATEWAY_MODE_LABELS[m]] as const)}
          errors={errors.mode}
        />
        <button class="btn btn-secondary" type="submit">保存模式</button>
      </form>
      <h3>凭据</h3>
      {g.credentials.length === 0 ? <p class="muted">未设置凭据。</p> : (
        <ul class="plain-list">
          {g.credentials.map((c) => (
            <li>
              <code>{c.name}</code>：{c.display}
              <form method="post" action="/admin/settings/gateways" class="inline-form">
                <CsrfField token={props.csrfToken} />
                <input type="hidden" name="gateway" value={g.key} />
                <input type="hidden" name="intent" value="remove_credential" />
                <input type="hidden" name="name" value={c.name} />
                <button class="link-button" type="submit" aria-label={`删除凭据 ${c.name}`}>删除</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action="/admin/settings/gateways" class="stack" novalidate autocomplete="off">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="gateway" value={g.key} />
        <input type="hidden" name="intent" value="credential" />
        <Field
          name="name"
          label="凭据名称"
          maxLength={64}
          placeholder="例如 appKey"
          value={mine ? data.values.name : ""}
          errors={errors.name}
        />
        <Field
          name="value"
          label="凭据值"
          type="password"
          autocomplete="new-password"
          hint="保存后加密存储，不再显示；同名凭据会被替换。"
          errors={errors.value}
        />
        <button class="btn btn-secondary" type="submit">保存凭据</button>
      </form>
      {g.canPing && (
        <form method="post" action="/admin/settings/gateways">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="gateway" value={g.key} />
          <input type="hidden" name="intent" value="test" />
          <button class="btn" type="submit">测试连接</button>
        </form>
      )}
      {!g.canPing && <StatusBadge ok={false}>不支持测试连接</StatusBadge>}
    </section>
  );
}

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>第三方设置</h1>
    <p class="muted">
      各第三方通道的模式与凭据。凭据加密保存，保存后不再显示；所有修改与测试记入操作日志。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    {data.list.map((g) => <GatewayCard key={g.key} g={g} data={data} csrfToken={state.csrfToken} />)}
  </>
));
