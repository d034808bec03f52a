-- 0005 ledger: double-entry books in fen. Every movement is one journal entry whose lines sum to zero,
-- written in the same transaction as its cause (domain/ledger/ledger.ts postEntry).
--
-- Accounts owned by a user (available, frozen, reward) keep a balance row, updated in the posting
-- transaction under a row lock of just those accounts, and never below zero. System accounts (custody
-- clearing, fee income, marketing expense, …) have no balance row: their balance is the sum of their lines,
-- so posting for different users never waits on one shared row.
create table ledger_accounts (
  id bigint generated always as identity primary key,
  kind text not null check (kind ~ '^[a-z][a-z_]{1,40}$'),
  owner_user_id bigint references users (id),
  -- user accounts: the running balance; system accounts: null (sum of lines)
  balance_fen bigint,
  created_at timestamptz not null default now(),
  unique nulls not distinct (kind, owner_user_id),
  check ((owner_user_id is null) = (balance_fen is null)),
  check (balance_fen is null or balance_fen >= 0)
);
create index ledger_accounts_owner_idx on ledger_accounts (owner_user_id) where owner_user_id is not null;

create table journal_entries (
  id bigint generated always as identity primary key,
  business_type text not null check (business_type ~ '^[a-z][a-z_]{1,40}$'),
  -- the cause, e.g. 'top_up_order:123'
  reference text not null check (length(reference) between 1 and 200),
  -- a repeat of the same request posts nothing and finds the first entry
  idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
  reverses_entry_id bigint unique references journal_entries (id),
  memo text check (memo is null or length(memo) <= 500),
  created_at timestamptz not null default now()
);
create index journal_entries_created_idx on journal_entries (created_at, id);
create index journal_entries_reference_idx on journal_entries (reference);
create index journal_entries_type_idx on journal_entries (business_type, id);

create table journal_lines (
  id bigint generated always as identity primary key,
  entry_id bigint not null references journal_entries (id),
  account_id bigint not null references ledger_accounts (id),
  amount_fen bigint not null check (amount_fen <> 0),
  -- the account's balance after this line (user accounts); null for system accounts
  balance_after_fen bigint check (balance_after_fen is null or balance_after_fen >= 0),
  created_at timestamptz not null default now()
);
create index journal_lines_account_idx on journal_lines (account_id, id);
create index journal_lines_entry_idx on journal_lines (entry_id);

-- Reversal, never deletion: entries and lines are append-only (trigger, and no UPDATE/DELETE grant).
create function ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the ledger is append-only: % on % is not allowed', tg_op, tg_table_name;
end;
$$;
create trigger journal_entries_no_update_delete before update or delete on journal_entries
  for each row execute function ledger_append_only();
create trigger journal_entries_no_truncate before truncate on journal_entries
  for each statement execute function ledger_append_only();
create trigger journal_lines_no_update_delete before update or delete on journal_lines
  for each row execute function ledger_append_only();
create trigger journal_lines_no_truncate before truncate on journal_lines
  for each statement execute function ledger_append_only();

do $$
declare
  app_role text := coalesce(nullif(current_setting('p2p.app_role', true), ''), 'p2p_app');
  s text := current_schema();
begin
  if exists (select from pg_roles where rolname = app_role) then
    execute format('revoke all on table %I.journal_entries, %I.journal_lines from %I', s, s, app_role);
    execute format('grant select, insert on table %I.journal_entries, %I.journal_lines to %I', s, s, app_role);
  end if;
end
$$;
