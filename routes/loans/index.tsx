/**
 * `/loans` — 投资大厅: open and recent loans as cards, with filters and sorts in the URL (a GET form: a
 * shared link shows the same list; no script). The list itself (cards + pager) is the shared part, rendered
 * once per (filters, page) and reused until the hall's version changes (domain/lending/hall.ts); the
 * signed-in investor's balance and risk level are rendered per request, outside it. For a visitor without
 * a session the whole page is the same for everyone: it is kept whole, compressed once
 * ({@link PrecompressedText}), and served on one shared version read — no page query, no render, no
 * compression per request; from its second request on, it is offered to `sharedPages()` (main.ts), which
 * answers the same URL before the middleware chain while the copy is current.
 */
import { renderToString } from "preact-render-to-string";
import { page, PrecompressedText, sharePage } from "../../framework/mod.ts";
import { SelectField } from "../../components/Field.tsx";
import { HallList } from "../../components/lending/LoanCard.tsx";
import {
  currentHallVersion,
  HALL_SORTS,
  HallCache,
  type HallQuery,
  hallQueryKey,
  knownHallVersion,
  parseHallQuery,
  RATE_FILTERS,
  STATUS_FILTERS,
  TERM_FILTERS,
  TYPE_FILTERS,
  VersionedCache,
} from "../../domain/lending/hall.ts";
import { investorBidPermission } from "../../domain/investor/risk_assessment.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen } from "../../domain/money/format.ts";
import { RISK_LINE } from "../../domain/shared/brand.ts";
import { define } from "../../utils.ts";

/** The process's hall cache (shared by every request). */
export const hallCache = new HallCache((p, q, now) => renderToString(<HallList page={p} q={q} now={now} />));
/** Whole pages for visitors without a session (same version and expiry rules as the fragments). */
export const anonymousHallPages = new VersionedCache<PrecompressedText>();

interface HallData {
  q: HallQuery;
  html: string;
  me: { availableFen: Fen; level: string | null; grades: string } | null;
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "投资大厅";
    const q = parseHallQuery(ctx.url.searchParams);
    const user = ctx.state.user;
    if (!user) {
      // no session: the page is everyone's (the header has no personal part, the form no token)
      const now = new Date();
      const version = await currentHallVersion(ctx.state.sql);
      const key = hallQueryKey(q);
      const accept = ctx.req.headers.get("accept-encoding");
      const kept = anonymousHallPages.get(key, version, now.getTime());
      if (kept) {
        // served from here once: later requests for this URL are answered before the middleware chain
        // (main.ts sharedPages) while this copy stays current
        const sql = ctx.state.sql;
        sharePage(ctx, {
          body: kept,
          fresh: (nowMs) => {
            const v = knownHallVersion(sql, nowMs);
            return v !== null && anonymousHallPages.get(key, v, nowMs) === kept;
          },
        });
        return kept.response(accept, { headers: { "x-hall-cache": "hit" } });
      }
      const fragment = await hallCache.get(ctx.state.sql, q, now, version);
      const res = await ctx.render(<HallView q={q} html={fragment.html} me={null} />, {
        headers: { "x-hall-cache": fragment.cached ? "hit" : "miss" },
      });
      const body = new PrecompressedText(await res.text());
      if (res.status === 200 && !body.text.includes(ctx.state.csrfToken)) {
        anonymousHallPages.set(key, version, now.getTime(), body);
      }
      return body.response(accept, { status: res.status, headers: res.headers });
    }
    const [fragment, me] = await Promise.all([
      hallCache.get(ctx.state.sql, q),
      user.kind === "investor"
        ? Promise.all([userBalances(ctx.state.sql, user.id), investorBidPermission(ctx.state.sql, user.id)])
        : null,
    ]);
    return page<HallData>({
      q,
      html: fragment.html,
      me: me
        ? {
          availableFen: me[0].availableFen,
          level: me[1].ok ? me[1].level : null,
          grades: me[1].ok ? me[1].allowedGrades.join("、") : "",
        }
        : null,
    }, { headers: { "x-hall-cache": fragment.cached ? "hit" : "miss" } });
  },
});

const options = <T extends object>(o: T) => Object.entries(o) as [string, string][];

export default define.page<typeof handler>(({ data }) => <HallView {...data} />);

/** The hall page: filters, and the list's rendered fragment. */
function HallView({ q, me, html }: HallData) {
  return (
    <>
      <h1>投资大厅</h1>
      <p class="risk-note">
        {RISK_LINE}。出借前请阅读<a href="/account/risk-disclosure">《出借人风险揭示书》</a>。
      </p>
      {me && (
        <p class="card" data-testid="hall-me">
          可用余额 <strong>{formatFen(me.availableFen)}</strong>（<a href="/account/top-up">去充值</a>）·{" "}
          {me.level
            ? <>风险等级 {me.level}，可出借 {me.grades} 级项目</>
            : <a href="/account/risk-assessment">出借前请先完成风险测评</a>}
        </p>
      )}
      <form method="get" action="/loans" class="filters card" aria-label="筛选与排序">
        <SelectField
          name="term"
          label="期限"
          value={q.term ?? ""}
          options={options(TERM_FILTERS)}
          emptyLabel="全部"
        />
        <SelectField
          name="rate"
          label="利率"
          value={q.rate ?? ""}
          options={options(RATE_FILTERS)}
          emptyLabel="全部"
        />
        <SelectField
          name="type"
          label="类型"
          value={q.type ?? ""}
          options={options(TYPE_FILTERS)}
          emptyLabel="全部"
        />
        <SelectField
          name="grade"
          label="风险等级"
          value={q.grade ?? ""}
          options={["A", "B", "C", "D", "E"].map((g) => [g, `${g}级`] as const)}
          emptyLabel="全部"
        />
        <SelectField
          name="status"
          label="状态"
          value={q.status ?? ""}
          options={options(STATUS_FILTERS)}
          emptyLabel="投标中及近期"
        />
        <SelectField
          name="sort"
          label="排序"
          value={q.sort === "publish" ? "" : q.sort}
          options={options(HALL_SORTS).filter(([k]) => k !== "publish")}
          emptyLabel="发布时间"
        />
        <SelectField
          name="dir"
          label="顺序"
          value={q.dir === "desc" ? "" : q.dir}
          options={[["asc", "从低到高 / 从早到晚"]]}
          emptyLabel="从高到低 / 从新到旧"
        />
        <button type="submit" class="btn">筛选</button>
      </form>
      <div data-testid="hall-list" dangerouslySetInnerHTML={{ __html: html }} />
    </>
  );
}
