/**
 * `/admin/risk/scorecard` — 评分卡 (risk.rules): the active scorecard's base points, the points per band of
 * each attribute and the grade cut-offs, in one form; saving creates a NEW version, activates it and is
 * audit-logged (`risk.scorecard.save`). The version history below. Post/redirect/get; bad input → the form
 * again with the messages next to each field (422).
 * @module
 */
import { page, readForm } from "../../../framework/mod.ts";
import { ScorecardPage, type ScorecardPageData } from "../../../components/risk/ScorecardPage.tsx";
import {
  activeScorecard,
  SAVE_CONFIG_MESSAGES,
  type SaveConfigResult,
  saveConfigStatus,
  saveScorecard,
  scorecardHistory,
} from "../../../domain/risk/rule_sets.ts";
import {
  readScorecardForm,
  scorecardErrorsToForm,
  type ScorecardFormValues,
  scorecardFormValues,
  scorecardFromForm,
} from "../../../domain/risk/risk_forms.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

const NOTICES: Record<string, string> = { saved: "评分卡已保存为新版本并启用，已记入操作日志。" };

async function render(
  state: State,
  url: URL,
  failed: { values: ScorecardFormValues; note: string; errors: Record<string, string[]> } | null,
  status = 200,
) {
  const [active, history] = await Promise.all([activeScorecard(state.sql), scorecardHistory(state.sql)]);
  return page<ScorecardPageData>({
    active,
    history,
    values: failed?.values ?? scorecardFormValues(active.config),
    note: failed?.note ?? "",
    errors: failed?.errors ?? {},
    notice: doneNotice(url, NOTICES),
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "评分卡";
    return await render(ctx.state, ctx.url, null);
  },
  async POST(ctx) {
    ctx.state.title = "评分卡";
    const text = formText(await readForm(ctx.req));
    const values = readScorecardForm(text);
    const note = text("note", 400);
    const built = scorecardFromForm(values);
    let result: SaveConfigResult;
    let config: unknown = null;
    if (built.ok) {
      config = built.config;
      result = await saveScorecard(ctx.state.sql, {
        baseVersion: Number(text("baseVersion", 12)),
        config,
        note,
      }, { staff: ctx.state.staff!, ip: ctx.state.clientIp });
    } else {
      result = { ok: false, code: "invalid_input", fields: built.fields };
    }
    if (result.ok) return ctx.redirect("/admin/risk/scorecard?done=saved", 303);
    const errors = result.code === "invalid_input"
      ? (config ? scorecardErrorsToForm(config, result.fields) : result.fields)
      : { form: [SAVE_CONFIG_MESSAGES[result.code]] };
    return await render(ctx.state, ctx.url, { values, note, errors }, saveConfigStatus(result.code));
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <ScorecardPage data={data} csrfToken={state.csrfToken} />
));
