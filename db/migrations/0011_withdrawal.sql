-- 0011 withdrawal: fee rules (收费标准, with history), withdrawal settings, withdrawals and their approvals.

-- Fee rules: one row per change, never edited. The rule in force for a business type at time t is the row
-- with the latest effective_from <= t. A rule is either a fixed amount per transaction or a rate in micros
-- (millionths) of the amount, optionally bounded by a minimum and a maximum.
create table fee_rules (
  id bigint generated always as identity primary key,
  business_type text not null
    check (business_type in ('top_up', 'withdrawal', 'service_fee', 'interest_management_fee', 'transfer_fee')),
  kind text not null check (kind in ('fixed', 'rate')),
  fixed_fen bigint check (fixed_fen is null or fixed_fen >= 0),
  rate_micros integer check (rate_micros is null or rate_micros between 0 and 1000000),
  min_fen bigint check (min_fen is null or min_fen >= 0),
  max_fen bigint check (max_fen is null or max_fen >= 0),
  effective_from timestamptz not null,
  note text check (note is null or length(note) <= 200),
  created_by bigint references staff (id),
  created_at timestamptz not null default now(),
  unique (business_type, effective_from),
  check ((kind = 'fixed') = (fixed_fen is not null)),
  check ((kind = 'rate') = (rate_micros is not null)),
  check (kind = 'rate' or (min_fen is null and max_fen is null)),
  check (min_fen is null or max_fen is null or min_fen <= max_fen)
);

-- The withdrawal settings (one row, id = 1): review thresholds and limits, changed by finance staff
-- (audit-logged).
create table withdrawal_settings (
  id smallint primary key default 1 check (id = 1),
  -- above this amount a withdrawal waits for one staff approval
  review_threshold_fen bigint not null check (review_threshold_fen >= 0),
  -- above this amount it needs two approvals by different staff members
  second_approval_threshold_fen bigint not null check (second_approval_threshold_fen >= review_threshold_fen),
  min_amount_fen bigint not null check (min_amount_fen > 0),
  daily_count_limit integer not null check (daily_count_limit > 0),
  daily_amount_limit_fen bigint not null check (daily_amount_limit_fen > 0),
  updated_by bigint references staff (id),
  updated_at timestamptz not null default now()
);
insert into withdrawal_settings
  (review_threshold_fen, second_approval_threshold_fen, min_amount_fen, daily_count_limit, daily_amount_limit_fen)
values (5000000, 20000000, 100, 5, 50000000);

-- The fee in force when the platform starts: ¥2.00 per withdrawal, everything else free (explicit rules so
-- the public fee page lists every business type).
insert into fee_rules (business_type, kind, fixed_fen, rate_micros, effective_from, note) values
  ('top_up', 'fixed', 0, null, '2020-01-01T00:00:00+08:00', '初始费率'),
  ('withdrawal', 'fixed', 200, null, '2020-01-01T00:00:00+08:00', '初始费率'),
  ('service_fee', 'rate', null, 0, '2020-01-01T00:00:00+08:00', '初始费率'),
  ('interest_management_fee', 'rate', null, 0, '2020-01-01T00:00:00+08:00', '初始费率'),
  ('transfer_fee', 'rate', null, 0, '2020-01-01T00:00:00+08:00', '初始费率');

-- Withdrawals. Money: amount_fen leaves the user's available balance into frozen at request; on success
-- net_fen goes to the card and fee_fen to the platform; on rejection or failure amount_fen returns.
create table withdrawals (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  card_id bigint not null references bank_cards (id),
  amount_fen bigint not null check (amount_fen > 0),
  fee_fen bigint not null check (fee_fen >= 0 and fee_fen < amount_fen),
  net_fen bigint not null,
  fee_rule_id bigint references fee_rules (id),
  -- pending_review → processing → succeeded | failed; pending_review → rejected
  status text not null check (status in ('pending_review', 'processing', 'succeeded', 'failed', 'rejected')),
  -- approvals needed before it is sent to the custody bank (0, 1 or 2)
  required_approvals smallint not null check (required_approvals between 0 and 2),
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  custody_instruction_id bigint references custody_instructions (id),
  bank_reference text check (bank_reference is null or length(bank_reference) <= 200),
  reject_reason text check (reject_reason is null or length(reject_reason) <= 200),
  rejected_by bigint references staff (id),
  ip text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  completed_at timestamptz,
  unique (user_id, idempotency_key),
  check (net_fen = amount_fen - fee_fen)
);
create index withdrawals_user_idx on withdrawals (user_id, id desc);
create index withdrawals_status_idx on withdrawals (status, id);
create index withdrawals_card_idx on withdrawals (card_id) where status in ('pending_review', 'processing');

-- Staff approvals of a withdrawal (four eyes: one staff member approves a withdrawal at most once).
create table withdrawal_approvals (
  id bigint generated always as identity primary key,
  withdrawal_id bigint not null references withdrawals (id),
  staff_id bigint not null references staff (id),
  created_at timestamptz not null default now(),
  unique (withdrawal_id, staff_id)
);

-- fee_rules and withdrawal_approvals are append-only for the app.
do $$
declare
  app_role text := coalesce(nullif(current_setting('p2p.app_role', true), ''), 'p2p_app');
  s text := current_schema();
begin
  if exists (select from pg_roles where rolname = app_role) then
    execute format('revoke update, delete on table %I.fee_rules, %I.withdrawal_approvals from %I', s, s, app_role);
  end if;
end
$$;
