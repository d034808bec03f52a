/**
 * `/admin/risk/rules` — 风控规则 (risk.rules): the rules of the active version of the automatic review's rule
 * set, a form to add a rule, edit one (`?edit=<code>`) or remove it; every save creates a NEW version,
 * activates it and is audit-logged (`risk.rules.save`). The version history, and any version's rules
 * (`?version=<n>`), read only. Post/redirect/get; bad input → the form again with the messages (422).
 * @module
 */
import { page, readForm } from "../../../framework/mod.ts";
import { type RuleFormState, RulesPage, type RulesPageData } from "../../../components/risk/RulesPage.tsx";
import {
  activeRuleSet,
  changeRule,
  ruleSetHistory,
  ruleSetVersion,
  SAVE_CONFIG_MESSAGES,
  type SaveConfigResult,
  saveConfigStatus,
} from "../../../domain/risk/rule_sets.ts";
import {
  emptyRuleForm,
  readRuleForm,
  ruleFormValues,
  ruleFromForm,
} from "../../../domain/risk/risk_forms.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

const NOTICES: Record<string, string> = {
  saved: "已保存为新版本并启用，已记入操作日志。",
  removed: "规则已删除（已保存为新版本并启用），已记入操作日志。",
};

async function render(state: State, url: URL, form: RuleFormState | null, status = 200) {
  const [active, history] = await Promise.all([activeRuleSet(state.sql), ruleSetHistory(state.sql)]);
  const v = Number(url.searchParams.get("version"));
  const viewing = Number.isSafeInteger(v) && v > 0 ? await ruleSetVersion(state.sql, v) : null;
  let shown = form;
  if (!shown) {
    const editCode = url.searchParams.get("edit");
    const rule = editCode ? active.config.find((r) => r.code === editCode) : undefined;
    shown = rule
      ? { values: ruleFormValues(rule), errors: {}, editing: true }
      : { values: emptyRuleForm(), errors: {}, editing: false };
  }
  return page<RulesPageData>({
    active,
    history,
    viewing,
    form: shown,
    notice: doneNotice(url, NOTICES),
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "风控规则";
    return await render(ctx.state, ctx.url, null);
  },
  async POST(ctx) {
    ctx.state.title = "风控规则";
    const text = formText(await readForm(ctx.req));
    const values = readRuleForm(text);
    const remove = text("intent", 10) === "remove";
    const editing = values.originalCode !== "";
    const baseVersion = Number(text("baseVersion", 12));
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    let result: SaveConfigResult;
    if (remove) {
      result = await changeRule(ctx.state.sql, {
        baseVersion,
        originalCode: values.originalCode,
        remove: true,
        note: values.note,
      }, actor);
    } else {
      const built = ruleFromForm(values);
      // a value that cannot be read saves nothing
      result = built.ok
        ? await changeRule(ctx.state.sql, {
          baseVersion,
          originalCode: editing ? values.originalCode : undefined,
          rule: built.rule,
          note: values.note,
        }, actor)
        : { ok: false, code: "invalid_input", fields: built.fields };
    }
    if (result.ok) return ctx.redirect(`/admin/risk/rules?done=${remove ? "removed" : "saved"}`, 303);
    const errors = result.code === "invalid_input"
      ? result.fields
      : { form: [SAVE_CONFIG_MESSAGES[result.code]] };
    return await render(ctx.state, ctx.url, { values, errors, editing }, saveConfigStatus(result.code));
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <RulesPage data={data} csrfToken={state.csrfToken} />
));
