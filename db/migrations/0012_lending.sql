-- 0012 lending core: products, applications, loans, bids, claims, the borrower's installments and each
-- investor's share of them (collection schedule), repayments and the loan's history. Money in integer fen,
-- rates in micros (millionths: 8.5% a year = 85000). Risk tables (rules, scorecards, blacklist, decisions),
-- collections and settlement runs come in later migrations.

-- 产品: staff-configured loan products.
create table loan_products (
  id bigint generated always as identity primary key,
  code text not null unique check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  name text not null check (length(name) between 1 and 40),
  kind text not null check (kind in ('personal_credit', 'consumer_installment', 'car_loan', 'small_business')),
  borrower_kind text not null check (borrower_kind in ('person', 'business')),
  description text not null default '' check (length(description) <= 500),
  min_amount_fen bigint not null check (min_amount_fen > 0),
  max_amount_fen bigint not null check (max_amount_fen >= min_amount_fen and max_amount_fen <= 500000000),
  -- months for instalment products; days only for short bullet loans
  term_unit text not null check (term_unit in ('month', 'day')),
  terms integer[] not null check (cardinality(terms) between 1 and 24),
  methods text[] not null check (cardinality(methods) between 1 and 4
    and methods <@ array['equal_installment', 'equal_principal', 'interest_first', 'bullet']),
  -- annual rate range per loan grade A–E: {"A": {"minRateMicros": 60000, "maxRateMicros": 80000}, …}
  grade_rates jsonb not null,
  -- 服务费: share of the principal taken at disbursement
  service_fee_micros integer not null check (service_fee_micros between 0 and 200000),
  -- 利息管理费: share of each interest payment an investor receives
  interest_management_fee_micros integer not null check (interest_management_fee_micros between 0 and 500000),
  min_bid_fen bigint not null check (min_bid_fen > 0),
  bid_unit_fen bigint not null check (bid_unit_fen > 0),
  bidding_days integer not null check (bidding_days between 1 and 30),
  newbie_only boolean not null default false,
  -- 提前还款: allowed or not, and the fee on the principal repaid early
  prepayment_allowed boolean not null default true,
  prepayment_fee_micros integer not null default 0 check (prepayment_fee_micros between 0 and 100000),
  -- 罚息 per day of the overdue installment: days 1–30, and from day 31 (defaults 0.05% and 0.07%)
  penalty_day_micros integer not null default 500 check (penalty_day_micros between 0 and 10000),
  penalty_day_micros_after_30 integer not null default 700 check (penalty_day_micros_after_30 between 0 and 10000),
  -- days overdue after which the whole principal falls due (加速到期)
  acceleration_days integer not null default 30 check (acceleration_days between 1 and 365),
  active boolean not null default true,
  updated_by bigint references staff (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (term_unit = 'month' or methods = array['bullet'])
);

-- 借款申请: a borrower's request, saved as a draft between the steps of /borrow.
create table loan_applications (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  product_id bigint not null references loan_products (id),
  -- draft → submitted → (auto_rejected | manual_review) → (more_info → manual_review) → approved | rejected;
  -- cancelled by the borrower while a draft
  status text not null default 'draft' check (status in
    ('draft', 'submitted', 'auto_rejected', 'manual_review', 'more_info', 'approved', 'rejected', 'cancelled')),
  -- the last step the borrower completed (1 product … 5 signed)
  step integer not null default 1 check (step between 1 and 5),
  amount_fen bigint check (amount_fen is null or amount_fen > 0),
  term_count integer check (term_count is null or term_count > 0),
  method text check (method is null or method in ('equal_installment', 'equal_principal', 'interest_first', 'bullet')),
  purpose text check (purpose is null or length(purpose) <= 200),
  -- personal and work information, income, debts, contacts (phones encrypted inside), business details
  details jsonb not null default '{}'::jsonb,
  monthly_income_fen bigint check (monthly_income_fen is null or monthly_income_fen >= 0),
  monthly_debt_fen bigint check (monthly_debt_fen is null or monthly_debt_fen >= 0),
  device_id text check (device_id is null or length(device_id) <= 100),
  ip text check (ip is null or length(ip) <= 64),
  authorised_at timestamptz,
  submitted_at timestamptz,
  decided_at timestamptz,
  review_note text check (review_note is null or length(review_note) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index loan_applications_user_idx on loan_applications (user_id, id desc);
create index loan_applications_status_idx on loan_applications (status, submitted_at);
-- one open application per borrower at a time
create unique index loan_applications_one_open_idx on loan_applications (user_id)
  where status in ('draft', 'submitted', 'manual_review', 'more_info');

-- Documents of an application (files outside static/, under the data directory).
create table application_documents (
  id bigint generated always as identity primary key,
  application_id bigint not null references loan_applications (id),
  kind text not null check (kind in ('id_front', 'id_back', 'bank_card', 'income_proof', 'employment_proof',
    'business_licence', 'business_premises', 'other')),
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes integer not null check (size_bytes between 1 and 10485760),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_name text not null unique check (storage_name ~ '^[A-Za-z0-9_.-]{8,100}$'),
  uploaded_at timestamptz not null default now(),
  removed_at timestamptz
);
create index application_documents_app_idx on application_documents (application_id, kind);

-- 标的: a listed loan. funded_fen ≤ amount_fen is the database's own guard against over-funding.
create table loans (
  id bigint generated always as identity primary key,
  application_id bigint unique references loan_applications (id),
  borrower_id bigint not null references users (id),
  product_id bigint not null references loan_products (id),
  title text not null check (length(title) between 1 and 60),
  amount_fen bigint not null check (amount_fen > 0),
  funded_fen bigint not null default 0 check (funded_fen >= 0 and funded_fen <= amount_fen),
  bid_count integer not null default 0 check (bid_count >= 0),
  annual_rate_micros integer not null check (annual_rate_micros between 0 and 360000),
  term_unit text not null check (term_unit in ('month', 'day')),
  term_count integer not null check (term_count > 0),
  method text not null check (method in ('equal_installment', 'equal_principal', 'interest_first', 'bullet')),
  grade text not null check (grade in ('A', 'B', 'C', 'D', 'E')),
  risk_level text not null check (risk_level in ('R1', 'R2', 'R3', 'R4', 'R5')),
  newbie_only boolean not null default false,
  min_bid_fen bigint not null check (min_bid_fen > 0),
  bid_unit_fen bigint not null check (bid_unit_fen > 0),
  service_fee_micros integer not null,
  interest_management_fee_micros integer not null,
  -- scheduled (approved, waits for publish_at) → open → full → disbursed (repaying) → settled;
  -- open → failed (流标); repaying → overdue → accelerated → written_off | settled
  status text not null check (status in
    ('scheduled', 'open', 'full', 'full_reviewed', 'repaying', 'overdue', 'accelerated', 'settled', 'failed',
     'written_off')),
  purpose text not null default '' check (length(purpose) <= 200),
  repayment_source text not null default '' check (length(repayment_source) <= 200),
  -- per-loan disclosure (借款人信息披露): masked borrower facts frozen at listing
  disclosure jsonb not null default '{}'::jsonb,
  publish_at timestamptz not null,
  bid_deadline timestamptz not null check (bid_deadline > publish_at),
  full_at timestamptz,
  disbursed_at timestamptz,
  -- 起息日: the day interest starts (the disbursement day, Asia/Shanghai)
  interest_start_date date,
  maturity_date date,
  service_fee_fen bigint check (service_fee_fen is null or service_fee_fen >= 0),
  settled_at timestamptz,
  failed_at timestamptz,
  written_off_at timestamptz,
  write_off_reason text check (write_off_reason is null or length(write_off_reason) <= 500),
  -- bumped by every change the investment hall shows (bids, status): the hall's cache key
  version bigint not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index loans_status_idx on loans (status, publish_at desc);
create index loans_borrower_idx on loans (borrower_id, id desc);

-- 投标: an investor's bid; its money sits in the investor's frozen account until disbursement or failure.
create table bids (
  id bigint generated always as identity primary key,
  loan_id bigint not null references loans (id),
  investor_id bigint not null references users (id),
  amount_fen bigint not null check (amount_fen > 0),
  -- frozen → disbursed (became a claim) | released (the listing failed)
  status text not null default 'frozen' check (status in ('frozen', 'disbursed', 'released')),
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  freeze_entry_id bigint references journal_entries (id),
  -- the investment contract (HTML) and its SHA-256
  contract_html text,
  contract_sha256 text check (contract_sha256 is null or contract_sha256 ~ '^[0-9a-f]{64}$'),
  -- 'web' | 'api' | 'auto'
  channel text not null default 'web' check (channel in ('web', 'api', 'auto')),
  created_at timestamptz not null default now(),
  unique (investor_id, idempotency_key)
);
create index bids_loan_idx on bids (loan_id, id);
create index bids_investor_idx on bids (investor_id, id desc);

-- 还款计划: the borrower's installments. Paid amounts grow as payments arrive (partial payments allowed).
create table loan_installments (
  loan_id bigint not null references loans (id),
  period integer not null check (period > 0),
  due_date date not null,
  principal_fen bigint not null check (principal_fen >= 0),
  interest_fen bigint not null check (interest_fen >= 0),
  -- penalty accrued so far (罚息), grows by the daily settlement
  penalty_fen bigint not null default 0 check (penalty_fen >= 0),
  paid_principal_fen bigint not null default 0 check (paid_principal_fen >= 0 and paid_principal_fen <= principal_fen),
  paid_interest_fen bigint not null default 0 check (paid_interest_fen >= 0 and paid_interest_fen <= interest_fen),
  paid_penalty_fen bigint not null default 0 check (paid_penalty_fen >= 0 and paid_penalty_fen <= penalty_fen),
  -- pending → paid; pending → overdue → paid; written_off
  status text not null default 'pending' check (status in ('pending', 'overdue', 'paid', 'written_off')),
  -- the last Asia/Shanghai day whose penalty is accrued (exactly once per day)
  penalty_accrued_through date,
  paid_at timestamptz,
  primary key (loan_id, period)
);
create index loan_installments_due_idx on loan_installments (due_date) where status in ('pending', 'overdue');

-- 债权: an investor's share of a disbursed loan, one per bid.
create table claims (
  id bigint generated always as identity primary key,
  loan_id bigint not null references loans (id),
  bid_id bigint not null unique references bids (id),
  investor_id bigint not null references users (id),
  principal_fen bigint not null check (principal_fen > 0),
  -- holding → settled | written_off
  status text not null default 'holding' check (status in ('holding', 'settled', 'written_off')),
  created_at timestamptz not null default now()
);
create index claims_loan_idx on claims (loan_id, id);
create index claims_investor_idx on claims (investor_id, id desc);

-- 回款计划: each claim's share of each installment. Columns sum exactly to the installment (allocation by
-- largest remainder), rows to the claim.
create table claim_installments (
  claim_id bigint not null references claims (id),
  period integer not null check (period > 0),
  loan_id bigint not null references loans (id),
  investor_id bigint not null references users (id),
  due_date date not null,
  principal_fen bigint not null check (principal_fen >= 0),
  interest_fen bigint not null check (interest_fen >= 0),
  received_principal_fen bigint not null default 0 check (received_principal_fen >= 0),
  received_interest_fen bigint not null default 0 check (received_interest_fen >= 0),
  received_penalty_fen bigint not null default 0 check (received_penalty_fen >= 0),
  -- interest management fee withheld from what was received
  fee_fen bigint not null default 0 check (fee_fen >= 0),
  status text not null default 'pending' check (status in ('pending', 'received', 'written_off')),
  received_at timestamptz,
  primary key (claim_id, period)
);
create index claim_installments_loan_idx on claim_installments (loan_id, period);
create index claim_installments_investor_idx on claim_installments (investor_id, due_date)
  where status = 'pending';

-- 还款: one payment by (or debited from) the borrower, with how it was applied.
create table loan_repayments (
  id bigint generated always as identity primary key,
  loan_id bigint not null references loans (id),
  -- manual (borrower paid now), auto (daily settlement debit), prepayment (early full repayment)
  kind text not null check (kind in ('manual', 'auto', 'prepayment')),
  amount_fen bigint not null check (amount_fen > 0),
  -- {"penaltyFen": …, "overdueInterestFen": …, "overduePrincipalFen": …, "interestFen": …, "principalFen": …,
  --  "feeFen": …, "periods": [...]}
  breakdown jsonb not null,
  entry_id bigint references journal_entries (id),
  idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
  created_at timestamptz not null default now()
);
create index loan_repayments_loan_idx on loan_repayments (loan_id, id);

-- The loan's history (shown to staff and, in part, to the borrower): every state change and decision.
create table loan_events (
  id bigint generated always as identity primary key,
  loan_id bigint references loans (id),
  application_id bigint references loan_applications (id),
  kind text not null check (kind ~ '^[a-z][a-z_]{1,40}$'),
  staff_id bigint references staff (id),
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  check (loan_id is not null or application_id is not null)
);
create index loan_events_loan_idx on loan_events (loan_id, id) where loan_id is not null;
create index loan_events_application_idx on loan_events (application_id, id) where application_id is not null;

-- The four products of the platform (staff edit them in /admin/products).
insert into loan_products (code, name, kind, borrower_kind, description, min_amount_fen, max_amount_fen, term_unit,
  terms, methods, grade_rates, service_fee_micros, interest_management_fee_micros, min_bid_fen, bid_unit_fen,
  bidding_days, newbie_only, prepayment_allowed, prepayment_fee_micros)
values
  ('personal_credit', '个人信用贷', 'personal_credit', 'person', '无抵押个人信用借款，用于个人消费或周转',
   300000, 20000000, 'month', array[3, 6, 12, 24], array['equal_installment', 'equal_principal'],
   '{"A":{"minRateMicros":60000,"maxRateMicros":80000},"B":{"minRateMicros":70000,"maxRateMicros":95000},"C":{"minRateMicros":85000,"maxRateMicros":110000},"D":{"minRateMicros":100000,"maxRateMicros":130000},"E":{"minRateMicros":120000,"maxRateMicros":150000}}',
   20000, 100000, 10000, 10000, 7, false, true, 10000),
  ('consumer_installment', '消费分期', 'consumer_installment', 'person', '购物、教育、装修等消费分期',
   100000, 5000000, 'month', array[3, 6, 9, 12], array['equal_installment'],
   '{"A":{"minRateMicros":60000,"maxRateMicros":80000},"B":{"minRateMicros":70000,"maxRateMicros":95000},"C":{"minRateMicros":85000,"maxRateMicros":110000},"D":{"minRateMicros":100000,"maxRateMicros":130000},"E":{"minRateMicros":120000,"maxRateMicros":150000}}',
   15000, 100000, 5000, 5000, 5, true, true, 0),
  ('car_loan', '车贷', 'car_loan', 'person', '以本人车辆为参考的个人借款',
   2000000, 20000000, 'month', array[6, 12, 24, 36], array['equal_installment', 'interest_first'],
   '{"A":{"minRateMicros":55000,"maxRateMicros":75000},"B":{"minRateMicros":65000,"maxRateMicros":90000},"C":{"minRateMicros":80000,"maxRateMicros":105000},"D":{"minRateMicros":95000,"maxRateMicros":125000},"E":{"minRateMicros":115000,"maxRateMicros":145000}}',
   20000, 100000, 10000, 10000, 7, false, true, 10000),
  ('small_business', '小微企业贷', 'small_business', 'business', '小微企业经营周转借款',
   5000000, 100000000, 'month', array[3, 6, 12], array['interest_first', 'equal_installment', 'bullet'],
   '{"A":{"minRateMicros":60000,"maxRateMicros":85000},"B":{"minRateMicros":70000,"maxRateMicros":100000},"C":{"minRateMicros":85000,"maxRateMicros":115000},"D":{"minRateMicros":100000,"maxRateMicros":135000},"E":{"minRateMicros":120000,"maxRateMicros":150000}}',
   25000, 100000, 10000, 10000, 10, false, true, 20000);
