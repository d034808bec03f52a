/**
 * 投资大厅 (the investment hall, `/loans`): open and recent loans with filters (term, rate, type, grade,
 * status), sorts (rate, term, publish time, progress) and pages — ONE query per page (the total comes with
 * the rows, `count(*) over ()`; the query text is static, every filter a parameter).
 *
 * The hall is read far more often than it changes, so its shared part is rendered once and reused:
 * {@link HallCache} keeps the rendered fragment per (filters, page) with the hall version it was made at,
 * `select max(version) from loans` (one index probe: migration 0015 gives every insert and update of a
 * loan the next value of one sequence). A bid, a listing or any status change moves the version and the
 * next request renders afresh; entries also expire after {@link HALL_CACHE_TTL_MS} (the "time left" text).
 * The version is read at most every {@link HALL_VERSION_MAX_AGE_MS} and at once after any commit of this
 * process ({@link currentHallVersion}), concurrent requests sharing one read. Personal parts (the signed-in header, the investor's balance and risk level) stay outside
 * the fragment; for visitors without a session the route keeps the whole page, compressed, the same way.
 * @module
 */
import { z } from "zod";
import { committedTransactions, type Queryable } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import type { RepaymentMethod } from "./schedule.ts";

/** Loans per hall page. */
export const HALL_PAGE_SIZE = 10;
/** Deepest page served (older loans: narrow the filters). */
export const HALL_MAX_PAGE = 50;
/** How long a rendered fragment may be reused at the same version (its "time left" ages). */
export const HALL_CACHE_TTL_MS = 30_000;
/** Fragments kept (least recently used dropped first). */
export const HALL_CACHE_MAX_ENTRIES = 500;
/** How long a loan stays in the default view after it stops taking bids. */
export const HALL_RECENT_DAYS = 30;

/** Term filter choices (months; `short`: terms in days). */
export const TERM_FILTERS = {
  short: "30天内",
  "1-3": "1–3个月",
  "4-6": "4–6个月",
  "7-12": "7–12个月",
  "13+": "12个月以上",
} as const;
/** Rate filter choices (annual %). */
export const RATE_FILTERS = {
  "0-8": "8%以下",
  "8-10": "8%–10%",
  "10-12": "10%–12%",
  "12+": "12%以上",
} as const;
/** Product kind filter choices. */
export const TYPE_FILTERS = {
  personal_credit: "个人信用贷",
  consumer_installment: "消费分期",
  car_loan: "车贷",
  small_business: "小微企业贷",
} as const;
/** Status filter choices (empty: open and recent). */
export const STATUS_FILTERS = {
  open: "投标中",
  full: "已满标",
  repaying: "还款中",
  settled: "已结清",
} as const;
/** Sorts. */
export const HALL_SORTS = { publish: "发布时间", rate: "利率", term: "期限", progress: "进度" } as const;

const RATE_BOUNDS: Record<keyof typeof RATE_FILTERS, [number, number]> = {
  "0-8": [0, 79_999],
  "8-10": [80_000, 99_999],
  "10-12": [100_000, 119_999],
  "12+": [120_000, 1_000_000],
};
const TERM_BOUNDS: Record<Exclude<keyof typeof TERM_FILTERS, "short">, [number, number]> = {
  "1-3": [1, 3],
  "4-6": [4, 6],
  "7-12": [7, 12],
  "13+": [13, 1000],
};
const STATUS_SETS: Record<keyof typeof STATUS_FILTERS, string[]> = {
  open: ["open", "scheduled"],
  full: ["full", "full_reviewed"],
  repaying: ["repaying", "overdue", "accelerated"],
  settled: ["settled"],
};

const keyOf = <T extends object>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];
const optionalEnum = <T extends object>(o: T) => z.enum(keyOf(o)).optional().catch(undefined);

/** The hall's query as the URL holds it (unknown values are dropped, not errors). */
export const hallQuerySchema = z.object({
  term: optionalEnum(TERM_FILTERS),
  rate: optionalEnum(RATE_FILTERS),
  type: optionalEnum(TYPE_FILTERS),
  grade: z.enum(["A", "B", "C", "D", "E"]).optional().catch(undefined),
  status: optionalEnum(STATUS_FILTERS),
  sort: z.enum(keyOf(HALL_SORTS)).catch("publish").default("publish"),
  dir: z.enum(["asc", "desc"]).catch("desc").default("desc"),
  page: z.coerce.number().int().min(1).max(HALL_MAX_PAGE).catch(1).default(1),
});

/** A parsed hall query. */
export type HallQuery = z.output<typeof hallQuerySchema>;

/** Parse `/loans?…` (never fails: bad values fall back to the defaults). */
export function parseHallQuery(params: URLSearchParams): HallQuery {
  const raw: Record<string, string> = {};
  for (const k of ["term", "rate", "type", "grade", "status", "sort", "dir", "page"]) {
    const v = params.get(k);
    if (v !== null && v !== "") raw[k] = v.slice(0, 20);
  }
  return hallQuerySchema.parse(raw);
}

/** The cache key of a query: its canonical URL search string. */
export function hallQueryKey(q: HallQuery): string {
  return [q.term, q.rate, q.type, q.grade, q.status, q.sort, q.dir, q.page].map((v) => v ?? "").join("|");
}

/** One loan card. */
export interface HallLoan {
  id: string;
  title: string;
  productKind: keyof typeof TYPE_FILTERS;
  productName: string;
  amountFen: Fen;
  fundedFen: Fen;
  annualRateMicros: number;
  termCount: number;
  termUnit: "month" | "day";
  method: RepaymentMethod;
  grade: string;
  riskLevel: string;
  newbieOnly: boolean;
  status: string;
  bidCount: number;
  minBidFen: Fen;
  publishAt: Date;
  bidDeadline: Date;
}

/** One page of the hall. */
export interface HallPage {
  loans: HallLoan[];
  total: number;
  page: number;
  pageCount: number;
}

/** The hall's version: changes whenever anything it shows changes (see the module doc). */
export async function hallVersion(db: Queryable): Promise<string> {
  const [row] = await db<{ v: string | null }[]>`select max(version)::text as v from loans`;
  return row?.v ?? "0";
}

/**
 * How long a version read answers for without another: a change made by ANOTHER process (another app
 * instance, `deno task settle`) shows in the hall at most this long (plus one query) after its commit.
 * Changes committed by this process show at once (see {@link currentHallVersion}).
 */
export const HALL_VERSION_MAX_AGE_MS = 250;
/**
 * Past {@link HALL_VERSION_MAX_AGE_MS} and up to this age, a known version is still answered while a fresh
 * read runs in the background (so a busy hall never waits on the database); older, callers wait for it.
 */
export const HALL_VERSION_STALE_MAX_MS = 2_000;

/** Per database handle: the last version read, and the reads running or queued. */
interface VersionClock {
  version: string | null;
  /** When the read that gave `version` started (ms since the epoch). */
  readAtMs: number;
  /** {@link committedTransactions} when that read started. */
  commitsAtRead: number;
  running: Promise<string> | null;
  queued: Promise<string> | null;
}
const clocks = new WeakMap<object, VersionClock>();

function clockOf(db: Queryable): VersionClock {
  let c = clocks.get(db);
  if (!c) {
    c = { version: null, readAtMs: 0, commitsAtRead: -1, running: null, queued: null };
    clocks.set(db, c);
  }
  return c;
}

/** Start a read now, or share the one queued behind the running one (never two at once). */
function readVersion(db: Queryable, c: VersionClock): Promise<string> {
  const start = (): Promise<string> => {
    const readAtMs = Date.now();
    const commitsAtRead = committedTransactions();
    const p: Promise<string> = hallVersion(db).then((v) => {
      // a later read may already have answered: keep the newest
      if (readAtMs >= c.readAtMs) Object.assign(c, { version: v, readAtMs, commitsAtRead });
      return v;
    }).finally(() => {
      if (c.running === p) c.running = null;
    });
    c.running = p;
    return p;
  };
  if (c.queued) return c.queued;
  if (!c.running) return start();
  const queued = c.running.then(() => {}, () => {}).then(() => {
    c.queued = null;
    return start();
  });
  c.queued = queued;
  return queued;
}

/**
 * The hall version if it is known without waiting: read less than {@link HALL_VERSION_MAX_AGE_MS} ago with
 * no commit by this process since the read started — else `null`. Between that age and
 * {@link HALL_VERSION_STALE_MAX_MS} it still answers and starts a fresh read in the background.
 */
export function knownHallVersion(db: Queryable, nowMs: number = Date.now()): string | null {
  const c = clockOf(db);
  if (c.version === null || c.commitsAtRead !== committedTransactions()) return null;
  const ageMs = nowMs - c.readAtMs;
  if (ageMs < HALL_VERSION_MAX_AGE_MS) return c.version;
  if (ageMs >= HALL_VERSION_STALE_MAX_MS) return null;
  if (!c.running && !c.queued) readVersion(db, c).catch(() => {});
  return c.version;
}

/**
 * {@link hallVersion} without a query per request: the known version when {@link knownHallVersion} has
 * one, else a read that started AFTER the call — so a change this process committed before a request is
 * always seen by it (read-your-writes: every commit through `transaction()` counts), while another
 * process's change is seen within {@link HALL_VERSION_MAX_AGE_MS}. At most one read per database handle
 * runs at a time; callers arriving meanwhile share the next one.
 */
export function currentHallVersion(db: Queryable): Promise<string> {
  const known = knownHallVersion(db);
  if (known !== null) return Promise.resolve(known);
  return readVersion(db, clockOf(db));
}

/** One page of the hall: ONE query (rows and total together). */
export async function hallPage(db: Queryable, q: HallQuery, now: Date = new Date()): Promise<HallPage> {
  const termShort = q.term === "short";
  const termBounds = q.term && q.term !== "short" ? TERM_BOUNDS[q.term] : null;
  const rateBounds = q.rate ? RATE_BOUNDS[q.rate] : null;
  const statuses = q.status ? STATUS_SETS[q.status] : null;
  const recentSince = new Date(now.getTime() - HALL_RECENT_DAYS * 86_400_000);
  const soon = new Date(now.getTime() + 86_400_000);
  const offset = (q.page - 1) * HALL_PAGE_SIZE;
  const asc = q.dir === "asc";
  const rows = await db<(HallLoan & { total: bigint })[]>`
    select l.id, l.title, p.kind as "productKind", p.name as "productName", l.amount_fen as "amountFen",
      l.funded_fen as "fundedFen", l.annual_rate_micros as "annualRateMicros", l.term_count as "termCount",
      l.term_unit as "termUnit", l.method, l.grade, l.risk_level as "riskLevel", l.newbie_only as "newbieOnly",
      l.status, l.bid_count as "bidCount", l.min_bid_fen as "minBidFen", l.publish_at as "publishAt",
      l.bid_deadline as "bidDeadline", count(*) over () as total
    from loans l join loan_products p on p.id = l.product_id
    where l.status not in ('failed', 'written_off')
      and (l.status <> 'scheduled' or l.publish_at <= ${soon})
      and (${statuses}::text[] is null or l.status = any(${statuses}::text[]))
      and (${statuses}::text[] is not null or l.status in ('open', 'scheduled')
           or coalesce(l.full_at, l.publish_at) >= ${recentSince})
      and (not ${termShort}::boolean or l.term_unit = 'day')
      and (${termBounds?.[0] ?? null}::int is null or
           (l.term_unit = 'month' and l.term_count between ${termBounds?.[0] ?? null}::int and ${
    termBounds?.[1] ?? null
  }::int))
      and (${rateBounds?.[0] ?? null}::int is null or
           l.annual_rate_micros between ${rateBounds?.[0] ?? null}::int and ${rateBounds?.[1] ?? null}::int)
      and (${q.type ?? null}::text is null or p.kind = ${q.type ?? null}::text)
      and (${q.grade ?? null}::text is null or l.grade = ${q.grade ?? null}::text)
    order by
      case when ${q.status ?? null}::text is null then (l.status in ('open', 'scheduled'))::int end desc,
      case when ${q.sort} = 'rate' and ${asc} then l.annual_rate_micros end asc,
      case when ${q.sort} = 'rate' and not ${asc} then l.annual_rate_micros end desc,
      case when ${q.sort} = 'term' and ${asc}
        then case when l.term_unit = 'day' then l.term_count else l.term_count * 30 end end asc,
      case when ${q.sort} = 'term' and not ${asc}
        then case when l.term_unit = 'day' then l.term_count else l.term_count * 30 end end desc,
      case when ${q.sort} = 'progress' and ${asc} then l.funded_fen::numeric / l.amount_fen end asc,
      case when ${q.sort} = 'progress' and not ${asc} then l.funded_fen::numeric / l.amount_fen end desc,
      case when ${asc} and ${q.sort} = 'publish' then l.publish_at end asc,
      l.publish_at desc, l.id desc
    limit ${HALL_PAGE_SIZE} offset ${offset}`;
  const total = rows.length > 0 ? Number(rows[0].total) : 0;
  return {
    loans: rows.map(({ total: _t, ...r }) => ({ ...r, id: String(r.id) })),
    total,
    page: q.page,
    pageCount: Math.min(HALL_MAX_PAGE, Math.max(1, Math.ceil(total / HALL_PAGE_SIZE))),
  };
}

/** A rendered fragment and what it was made from. */
export interface HallFragment {
  html: string;
  total: number;
  pageCount: number;
  /** Served from the cache (no page query, no render). */
  cached: boolean;
}

/**
 * Values per key, each valid for the hall version it was made at and for at most `ttlMs`; least recently
 * used dropped first beyond `maxEntries`. The hall's fragments live in one ({@link HallCache}); the
 * route keeps whole anonymous responses in another.
 */
export class VersionedCache<T> {
  readonly #entries = new Map<string, { version: string; at: number; value: T }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? HALL_CACHE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? HALL_CACHE_MAX_ENTRIES;
  }

  /** The value of `key` made at `version`, unless expired at `nowMs`. */
  get(key: string, version: string, nowMs: number): T | undefined {
    const hit = this.#entries.get(key);
    if (!hit || hit.version !== version || nowMs - hit.at >= this.#ttlMs) return undefined;
    // refresh its place in the LRU order
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.value;
  }

  /** Keep `value` for `key` at `version`, made at `nowMs`. */
  set(key: string, version: string, nowMs: number, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { version, at: nowMs, value });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /** Forget every value. */
  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The hall's shared part, rendered once per (filters, page) and hall version (see the module doc).
 * `render` turns a page into HTML; it is called only on a miss. One instance per process.
 */
export class HallCache {
  readonly #entries: VersionedCache<Omit<HallFragment, "cached">>;
  readonly #render: (page: HallPage, q: HallQuery, now: Date) => string;
  /** Renders done (misses), for tests and the bench. */
  renders = 0;

  constructor(
    render: (page: HallPage, q: HallQuery, now: Date) => string,
    options: { ttlMs?: number; maxEntries?: number } = {},
  ) {
    this.#render = render;
    this.#entries = new VersionedCache(options);
  }

  /**
   * The fragment for `q`: from the cache when the hall's version is unchanged, else rendered anew.
   * `version`: the hall version the caller has just read ({@link currentHallVersion}), if any.
   */
  async get(db: Queryable, q: HallQuery, now: Date = new Date(), version?: string): Promise<HallFragment> {
    const key = hallQueryKey(q);
    const v = version ?? await currentHallVersion(db);
    const hit = this.#entries.get(key, v, now.getTime());
    if (hit) return { ...hit, cached: true };
    const page = await hallPage(db, q, now);
    const html = this.#render(page, q, now);
    this.renders++;
    const fragment = { html, total: page.total, pageCount: page.pageCount };
    this.#entries.set(key, v, now.getTime(), fragment);
    return { ...fragment, cached: false };
  }

  /** Forget every fragment. */
  clear(): void {
    this.#entries.clear();
  }
}
