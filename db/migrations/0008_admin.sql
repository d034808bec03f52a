-- 0008 admin: staff administration of users (status 'frozen' with a reason, tags), of
-- roles (the permissions each role has, editable by the super administrator) and of the third-party
-- gateways (mode and encrypted credentials).

-- Users: 'frozen' (may log in, may not move money) besides active / disabled / closed; the reason and time
-- of the last status change.
alter table users drop constraint if exists users_status_check;
alter table users add constraint users_status_check
  check (status in ('active', 'frozen', 'disabled', 'closed'));
alter table users add column status_reason text check (status_reason is null or length(status_reason) <= 200);
alter table users add column status_changed_at timestamptz;

-- (The staff search by name and ID number uses users.real_name_hash / id_number_hash from 0006.)
create index users_status_idx on users (status) where status <> 'active';

-- Tags staff put on users (e.g. 高净值, 重点关注): free text, 1–20 characters.
create table user_tags (
  user_id bigint not null references users (id),
  tag text not null check (length(tag) between 1 and 20),
  staff_id bigint references staff (id),
  created_at timestamptz not null default now(),
  primary key (user_id, tag)
);
create index user_tags_tag_idx on user_tags (tag, user_id);

-- Which permissions each role has. permission_catalog lists the permissions this table has been set up
-- for: a permission of the code that is not in the catalog yet (added by a later release) takes its default
-- roles from the code (ROLE_PERMISSIONS) until the super administrator first saves a role, which writes it
-- here. Seeded with the defaults of ROLE_PERMISSIONS (domain/staff/permissions.ts).
create table permission_catalog (
  permission text primary key check (permission ~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'),
  created_at timestamptz not null default now()
);
create table role_permissions (
  role text not null check (role ~ '^[a-z][a-z_]{1,39}$'),
  permission text not null references permission_catalog (permission),
  created_at timestamptz not null default now(),
  primary key (role, permission)
);

insert into permission_catalog (permission) values
  ('admin.dashboard'), ('users.view'), ('users.manage'), ('users.pii'), ('loans.review'), ('risk.rules'),
  ('finance.view'), ('finance.disburse'), ('finance.reconcile'), ('finance.withdrawals'),
  ('collections.manage'), ('cs.tickets'), ('content.manage'), ('system.config'), ('audit.view'),
  ('staff.manage'), ('kyc.review'), ('finance.fees');

insert into role_permissions (role, permission)
select 'super_admin', permission from permission_catalog;
insert into role_permissions (role, permission) values
  ('operations', 'admin.dashboard'), ('operations', 'users.view'), ('operations', 'users.manage'),
  ('operations', 'content.manage'), ('operations', 'kyc.review'),
  ('risk', 'admin.dashboard'), ('risk', 'users.view'), ('risk', 'loans.review'), ('risk', 'risk.rules'),
  ('risk', 'collections.manage'), ('risk', 'kyc.review'),
  ('finance', 'admin.dashboard'), ('finance', 'users.view'), ('finance', 'finance.view'),
  ('finance', 'finance.disburse'), ('finance', 'finance.reconcile'), ('finance', 'finance.withdrawals'),
  ('finance', 'finance.fees'),
  ('customer_service', 'admin.dashboard'), ('customer_service', 'users.view'), ('customer_service', 'cs.tickets'),
  ('tech', 'admin.dashboard'), ('tech', 'system.config'), ('tech', 'audit.view');

-- Third-party gateways: the mode staff chose (sandbox / live) and the credentials, every value encrypted
-- with the PII cipher (never shown again; `hint` is the last 4 characters of a long value, or null).
create table gateway_settings (
  gateway text primary key check (gateway ~ '^[a-z][a-z_]{1,39}$'),
  mode text not null default 'sandbox' check (mode in ('sandbox', 'live')),
  updated_at timestamptz not null default now(),
  staff_id bigint references staff (id)
);
create table gateway_credentials (
  gateway text not null check (gateway ~ '^[a-z][a-z_]{1,39}$'),
  name text not null check (name ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  value_enc bytea not null,
  hint text check (hint is null or length(hint) <= 4),
  updated_at timestamptz not null default now(),
  staff_id bigint references staff (id),
  primary key (gateway, name)
);
