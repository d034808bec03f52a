/**
 * The home page's figures and loan teasers (首页): cumulative amount lent, interest investors have
 * received, open loans, registered users, the recommended loans (open, most funded first) and the newbie
 * loans (新手专享, open). Nothing personal: one shared copy, read in one query and kept for a few seconds
 * ({@link HOME_FIGURES_TTL_MS}), so a busy home page costs the database one query per few seconds.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";

/** How long one read of the home figures is reused. */
export const HOME_FIGURES_TTL_MS = 10_000;
/** Loans in each teaser list. */
export const HOME_RECOMMENDED_LIMIT = 3;
export const HOME_NEWBIE_LIMIT = 2;

/** A loan as a home-page card shows it. */
export interface LoanTeaser {
  id: string;
  title: string;
  annualRateMicros: number;
  termCount: number;
  termUnit: "month" | "day";
  method: "equal_installment" | "equal_principal" | "interest_first" | "bullet";
  grade: "A" | "B" | "C" | "D" | "E";
  amountFen: Fen;
  fundedFen: Fen;
  newbieOnly: boolean;
  bidDeadline: Date;
}

/** What the home page shows. */
export interface HomeFigures {
  /** 累计出借金额: the amounts of every disbursed loan. */
  cumulativeLentFen: Fen;
  /** 出借人累计已收利息: interest received on claims, net of the interest management fee (penalties excluded). */
  investorInterestNetFen: Fen;
  /** 可出借项目: loans open for bids now. */
  openLoans: bigint;
  registeredUsers: bigint;
  investors: bigint;
  borrowers: bigint;
  recommended: LoanTeaser[];
  newbie: LoanTeaser[];
  /** When the figures were read (the database's clock). */
  asOf: Date;
}

interface HomeRow extends Omit<HomeFigures, "recommended" | "newbie"> {
  recommended: unknown;
  newbie: unknown;
}

/** JSON of a teaser row as the query builds it (bigints as strings, the deadline as text). */
interface TeaserJson extends Omit<LoanTeaser, "id" | "amountFen" | "fundedFen" | "bidDeadline"> {
  id: string | number;
  amountFen: string;
  fundedFen: string;
  bidDeadline: string;
}

function teasers(value: unknown): LoanTeaser[] {
  const rows = (typeof value === "string" ? JSON.parse(value) : value) as TeaserJson[] | null;
  return (rows ?? []).map((r) => ({
    ...r,
    id: String(r.id),
    amountFen: BigInt(r.amountFen),
    fundedFen: BigInt(r.fundedFen),
    bidDeadline: new Date(r.bidDeadline),
  }));
}

/** Read the home figures now, in one query (no cache). */
export async function readHomeFigures(sql: Db): Promise<HomeFigures> {
  const [row] = await sql<HomeRow[]>`
    with open_loans as (
      select l.id, l.title, l.annual_rate_micros as "annualRateMicros", l.term_count as "termCount",
             l.term_unit as "termUnit", l.method, l.grade, l.amount_fen::text as "amountFen",
             l.funded_fen::text as "fundedFen", l.newbie_only as "newbieOnly",
             to_char(l.bid_deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "bidDeadline",
             l.funded_fen::numeric / l.amount_fen as progress, l.publish_at
      from loans l
      where l.status = 'open' and l.publish_at <= now() and l.bid_deadline > now()
    )
    select
      (select coalesce(sum(amount_fen), 0)::bigint from loans
        where status in ('repaying', 'overdue', 'accelerated', 'settled', 'written_off')) as "cumulativeLentFen",
      (select coalesce(sum(received_interest_fen - fee_fen), 0)::bigint from claim_installments)
        as "investorInterestNetFen",
      (select count(*) from open_loans) as "openLoans",
      (select count(*) from users) as "registeredUsers",
      (select count(*) from users where kind = 'investor') as "investors",
      (select count(*) from users where kind = 'borrower') as "borrowers",
      (select coalesce(json_agg(t), '[]'::json) from (
        select id, title, "annualRateMicros", "termCount", "termUnit", method, grade, "amountFen", "fundedFen",
               "newbieOnly", "bidDeadline"
        from open_loans where not "newbieOnly" and progress < 1
        order by progress desc, id desc limit ${HOME_RECOMMENDED_LIMIT}) t) as recommended,
      (select coalesce(json_agg(t), '[]'::json) from (
        select id, title, "annualRateMicros", "termCount", "termUnit", method, grade, "amountFen", "fundedFen",
               "newbieOnly", "bidDeadline"
        from open_loans where "newbieOnly" and progress < 1
        order by publish_at desc, id desc limit ${HOME_NEWBIE_LIMIT}) t) as newbie,
      now() as "asOf"`;
  return { ...row, recommended: teasers(row.recommended), newbie: teasers(row.newbie) };
}

const cache = new WeakMap<Db, { at: number; value: Promise<HomeFigures> }>();

/**
 * The home figures, reused for {@link HOME_FIGURES_TTL_MS} per database (one read in flight at a time; a
 * failed read is not kept).
 */
export function homeFigures(sql: Db, now: number = Date.now()): Promise<HomeFigures> {
  const hit = cache.get(sql);
  if (hit && now - hit.at < HOME_FIGURES_TTL_MS) return hit.value;
  const value = readHomeFigures(sql);
  cache.set(sql, { at: now, value });
  value.catch(() => {
    if (cache.get(sql)?.value === value) cache.delete(sql);
  });
  return value;
}

/** Forget the cached home figures (tests that change the books and read the page again). */
export function clearHomeFiguresCache(sql: Db): void {
  cache.delete(sql);
}
