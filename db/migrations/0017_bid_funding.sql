-- 0017 bid funding: a bid raises its loan's funded amount at COMMIT, not before.
--
-- `placeBid` (domain/lending/place_bid.ts) writes everything of a bid in one transaction; its last
-- statement signs the bid (sets `contract_sha256`). That queues this deferred constraint trigger, which runs
-- while the transaction commits: the loan's one conditional update
-- `funded_fen = funded_fen + x where status = 'open' and funded_fen + x <= amount_fen and bid_deadline > t`
-- (t = the bid's `created_at`, the command's clock), status `full` and `full_at` when it reaches the amount,
-- `bid_count`, the loan's `full` event. The hot loan row is thus locked only from this update to the end
-- of the commit, never across a round trip to the application. When the bid does not fit (full, less
-- remaining, closed, no longer open) it raises SQLSTATE `LB001`: the commit fails, the whole transaction
-- (bid, contract, ledger entry, custody instruction, outbox rows) is rolled back and the command answers
-- loan_full / over_remaining / bidding_closed / loan_not_open from a fresh read. The table's check
-- `funded_fen <= amount_fen` stays the last guard; `version` is still bumped by 0015's trigger.
--
-- Only the signing fires it (a bid's `contract_sha256` going from null to a value, as `placeBid` does once
-- per bid): rows inserted otherwise (fixtures, imports of disbursed loans) leave their loan as it is.
create function bids_fund_loan() returns trigger language plpgsql as $$
declare
  loan_status text;
begin
  update loans set funded_fen = funded_fen + new.amount_fen, bid_count = bid_count + 1,
    status = case when funded_fen + new.amount_fen = amount_fen then 'full' else status end,
    full_at = case when funded_fen + new.amount_fen = amount_fen then new.created_at else full_at end,
    updated_at = new.created_at
  where id = new.loan_id and status = 'open' and funded_fen + new.amount_fen <= amount_fen
    and bid_deadline > new.created_at
  returning status into loan_status;
  if not found then
    raise exception 'bid % (% fen) does not fit loan %', new.id, new.amount_fen, new.loan_id
      using errcode = 'LB001';
  end if;
  if loan_status = 'full' then
    insert into loan_events (loan_id, kind, detail)
    values (new.loan_id, 'full', jsonb_build_object('lastBidId', new.id::text,
      'at', to_char(new.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  end if;
  return null;
end
$$;

create constraint trigger bids_fund_loan after update of contract_sha256 on bids
  deferrable initially deferred
  for each row when (old.contract_sha256 is null and new.contract_sha256 is not null)
  execute function bids_fund_loan();
