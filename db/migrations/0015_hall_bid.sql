-- 0015 hall and bids: the investment hall's cache key and the bid list's indexes.
--
-- Every insert or update of a loan takes the next value of one sequence as its `version`, whatever the
-- command wrote there: `select max(version) from loans` (one index probe) then changes exactly when
-- anything the hall shows changed, so the hall's rendered pages are reused until a bid, a listing or a
-- status change (publish, full, fail, disburse, …) makes them stale. Sequences are not transactional and
-- never block, so concurrent bids on different loans do not queue on a counter row.
create sequence loans_hall_version_seq;

create function loans_hall_version() returns trigger language plpgsql as $$
begin
  new.version := nextval('loans_hall_version_seq');
  return new;
end
$$;

create trigger loans_hall_version before insert or update on loans
  for each row execute function loans_hall_version();

create index loans_version_idx on loans (version);
-- the hall: open/full/repaying loans by publish time (filters are few columns of few thousand rows)
create index loans_hall_idx on loans (publish_at desc, id desc) where status <> 'scheduled';
-- the investor's bids on one loan (newbie check: any earlier bid) and the loan's bid list
create index bids_loan_id_desc_idx on bids (loan_id, id desc);
