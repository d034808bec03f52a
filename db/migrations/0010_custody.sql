-- 0010 custody: the sandbox custody bank and payment channels (their OWN books, standing in for the
-- outside systems), our custody instructions and the callbacks we applied, top-up orders and the daily
-- reconciliation of the bank against the ledger.

-- ---------------------------------------------------------------------------------------------------
-- The sandbox bank (integrations/sandbox_custody.ts). A real bank keeps these on its side; the sandbox
-- keeps them here, separate from the ledger, so reconciliation has something independent to compare.
create table sandbox_bank_accounts (
  account_no text primary key check (length(account_no) between 1 and 40),
  -- our user's id as the bank knows it (null: the platform's own account)
  user_id text unique,
  balance_fen bigint not null default 0 check (balance_fen >= 0),
  frozen_fen bigint not null default 0 check (frozen_fen >= 0 and frozen_fen <= balance_fen),
  opened_at timestamptz not null default now()
);

-- the platform's own account at the sandbox bank
insert into sandbox_bank_accounts (account_no) values ('SBX-PLATFORM');

-- One row per instruction the bank received (the instruction id is its idempotency key).
create table sandbox_bank_instructions (
  instruction_id text primary key check (length(instruction_id) between 1 and 100),
  bank_reference text not null unique,
  kind text not null,
  account_no text not null,
  counterparty_account_no text,
  amount_fen bigint not null check (amount_fen > 0),
  reference text not null,
  status text not null check (status in ('succeeded', 'failed')),
  failure_code text,
  executed_at timestamptz not null default now()
);

-- The bank's movements: what the daily statement lists. amount_fen changes the total balance, frozen_delta
-- the frozen part.
create table sandbox_bank_movements (
  id bigint generated always as identity primary key,
  bank_reference text not null,
  instruction_id text,
  account_no text not null references sandbox_bank_accounts (account_no),
  kind text not null,
  amount_fen bigint not null,
  frozen_delta_fen bigint not null default 0,
  executed_at timestamptz not null default now()
);
create index sandbox_bank_movements_time_idx on sandbox_bank_movements (executed_at, id);

-- The sandbox payment channels' payments (integrations/sandbox_payment.ts).
create table sandbox_payments (
  id text primary key,
  merchant_order_no text not null unique,
  channel text not null check (channel in ('quick_pay', 'alipay', 'wechat')),
  amount_fen bigint not null check (amount_fen > 0),
  subject text not null,
  return_path text not null,
  status text not null default 'pending' check (status in ('pending', 'paid', 'cancelled')),
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);

-- Callbacks the sandboxes still have to deliver (or delivered): a real HTTP POST each, retried.
create table sandbox_callbacks (
  id bigint generated always as identity primary key,
  target text not null check (target in ('custody', 'payment')),
  callback_id text not null,
  body text not null,
  deliver_after timestamptz not null default now(),
  attempts integer not null default 0,
  delivered_at timestamptz,
  last_status integer,
  created_at timestamptz not null default now()
);
create index sandbox_callbacks_due_idx on sandbox_callbacks (deliver_after) where delivered_at is null;

-- ---------------------------------------------------------------------------------------------------
-- Our side.

-- Instructions we send to the custody bank (domain/payments/custody_instruction.ts); each is submitted by
-- the outbox (topic custody.instruction) and confirmed by the bank's callback.
create table custody_instructions (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('top_up', 'freeze', 'unfreeze', 'transfer', 'withdrawal')),
  user_id bigint references users (id),
  account_no text not null,
  counterparty_account_no text,
  amount_fen bigint not null check (amount_fen > 0),
  reference text not null check (length(reference) between 1 and 200),
  idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
  status text not null default 'pending'
    check (status in ('pending', 'submitted', 'succeeded', 'failed')),
  bank_reference text,
  failure_code text,
  created_at timestamptz not null default now(),
  submitted_at timestamptz,
  confirmed_at timestamptz
);
create index custody_instructions_user_idx on custody_instructions (user_id, id desc);
create index custody_instructions_open_idx on custody_instructions (status) where status in ('pending', 'submitted');

-- Every provider callback we applied, once (the unique callback id deduplicates redeliveries).
create table custody_callbacks (
  id bigint generated always as identity primary key,
  source text not null check (source in ('custody', 'payment')),
  callback_id text not null check (length(callback_id) between 1 and 100),
  subject text not null,
  outcome text not null,
  body jsonb not null,
  received_at timestamptz not null default now(),
  unique (source, callback_id)
);

-- Top-up orders (domain/payments/top_up.ts).
create table top_up_orders (
  id bigint generated always as identity primary key,
  order_no text not null unique,
  user_id bigint not null references users (id),
  amount_fen bigint not null check (amount_fen > 0),
  -- the top-up fee in force when the order was made (fee_rules, business type top_up); amount − fee arrives
  fee_fen bigint not null default 0 check (fee_fen >= 0 and fee_fen < amount_fen),
  channel text not null check (channel in ('quick_pay', 'alipay', 'wechat')),
  idempotency_key text not null check (length(idempotency_key) between 1 and 100),
  status text not null default 'pending' check (status in ('pending', 'paid', 'succeeded', 'failed', 'expired')),
  failure_reason text,
  payment_id text,
  journal_entry_id bigint,
  custody_instruction_id bigint references custody_instructions (id),
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (user_id, idempotency_key)
);
create index top_up_orders_user_idx on top_up_orders (user_id, created_at desc, id desc);
create index top_up_orders_pending_idx on top_up_orders (expires_at) where status = 'pending';

-- Daily reconciliation of the bank against the ledger (jobs/reconciliation.ts).
create table reconciliation_runs (
  id bigint generated always as identity primary key,
  business_date date not null,
  trigger text not null check (trigger in ('cron', 'staff')),
  staff_id bigint,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  accounts_checked integer not null default 0,
  movements_checked integer not null default 0,
  difference_count integer not null default 0,
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index reconciliation_runs_date_idx on reconciliation_runs (business_date desc, id desc);

create table reconciliation_differences (
  id bigint generated always as identity primary key,
  run_id bigint not null references reconciliation_runs (id),
  kind text not null check (kind in ('balance', 'missing_at_bank', 'unknown_at_bank', 'amount', 'no_account')),
  account_no text,
  user_id bigint,
  bank_fen bigint,
  ledger_fen bigint,
  difference_fen bigint,
  in_transit_fen bigint not null default 0,
  detail text not null,
  created_at timestamptz not null default now()
);
create index reconciliation_differences_run_idx on reconciliation_differences (run_id, id);

-- The callbacks we applied are evidence: append-only for the app's role.
do $$
declare
  app_role text := coalesce(nullif(current_setting('p2p.app_role', true), ''), 'p2p_app');
  s text := current_schema();
begin
  if exists (select from pg_roles where rolname = app_role) then
    execute format('revoke all on table %I.custody_callbacks from %I', s, app_role);
    execute format('grant select, insert on table %I.custody_callbacks to %I', s, app_role);
  end if;
end
$$;
