/**
 * `/admin/risk/blacklist` — 黑名单 (risk.rules): the internal blacklist, masked (ID number and phone are
 * stored only as keyed hashes and masks); search by a full ID number or phone number (exact, by keyed
 * hash); add an entry with a reason; remove one with a reason (the row stays, marked removed). Every add
 * and remove is audit-logged. The external blacklist is checked through its gateway at each application.
 * Post/redirect/get; bad input → the page again with the messages (422).
 * @module
 */
import { page, readForm } from "../../../framework/mod.ts";
import { BlacklistPage, type BlacklistPageData } from "../../../components/risk/BlacklistPage.tsx";
import {
  addBlacklistEntry,
  BLACKLIST_MESSAGES,
  type BlacklistCommandResult,
  listBlacklist,
  removeBlacklistEntry,
} from "../../../domain/risk/blacklist.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

const NOTICES: Record<string, string> = {
  added: "已加入黑名单，已记入操作日志。",
  removed: "已移除（记录保留），已记入操作日志。",
};

async function render(
  state: State,
  url: URL,
  partial: Partial<Pick<BlacklistPageData, "add" | "errors" | "removeFor">>,
  status = 200,
) {
  const query = (url.searchParams.get("q") ?? "").slice(0, 40);
  const includeRemoved = url.searchParams.get("all") === "1";
  const { rows, nextBeforeId } = await listBlacklist(state.sql, state.pii, {
    query,
    includeRemoved,
    beforeId: url.searchParams.get("before"),
  });
  return page<BlacklistPageData>({
    rows,
    nextBeforeId,
    query,
    includeRemoved,
    add: partial.add ?? { idNumber: "", phone: "", reason: "" },
    errors: partial.errors ?? {},
    removeFor: partial.removeFor ?? null,
    notice: doneNotice(url, NOTICES),
  }, { status });
}

function failure(result: Exclude<BlacklistCommandResult, { ok: true }>): Record<string, string[]> {
  return result.code === "invalid_input" ? result.fields : { form: [BLACKLIST_MESSAGES[result.code]] };
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "黑名单";
    return await render(ctx.state, ctx.url, {});
  },
  async POST(ctx) {
    ctx.state.title = "黑名单";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    if (text("intent", 10) === "remove") {
      const entryId = text("entryId", 20);
      const result = await removeBlacklistEntry(
        ctx.state.sql,
        { entryId, reason: text("removeReason", 400) },
        actor,
      );
      if (result.ok) return ctx.redirect("/admin/risk/blacklist?done=removed", 303);
      const status = result.code === "forbidden" ? 403 : result.code === "invalid_input" ? 422 : 409;
      return await render(ctx.state, ctx.url, { errors: failure(result), removeFor: entryId }, status);
    }
    const add = { idNumber: text("idNumber", 40), phone: text("phone", 30), reason: text("reason", 400) };
    const result = await addBlacklistEntry(ctx.state.sql, ctx.state.pii, add, actor);
    if (result.ok) return ctx.redirect("/admin/risk/blacklist?done=added", 303);
    const status = result.code === "forbidden" ? 403 : result.code === "duplicate" ? 409 : 422;
    return await render(ctx.state, ctx.url, { add, errors: failure(result) }, status);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <BlacklistPage data={data} csrfToken={state.csrfToken} />
));
