-- 0019 a bid signed when it is inserted funds its loan at COMMIT too.
--
-- 0017 applies a bid to its loan (the deferred trigger `bids_fund_loan`) when the bid is signed, i.e. when
-- its `contract_sha256` goes from null to a value. `placeBid` (domain/lending/place_bid.ts) now renders the
-- contract before it writes the bid (the bid's id is taken from the identity sequence first), so it inserts
-- the bid already signed, in the same statement as its ledger entry, instead of inserting it and signing it
-- with a second statement (one statement and one row version fewer per bid, the contract's HTML written to
-- the WAL once). This trigger is the same deferred trigger for that insert. Rows inserted unsigned
-- (fixtures, imports of disbursed loans) still leave their loan as it is, and the update trigger of 0017
-- still fires for a bid signed later.
create constraint trigger bids_fund_loan_signed_insert after insert on bids
  deferrable initially deferred
  for each row when (new.contract_sha256 is not null)
  execute function bids_fund_loan();
