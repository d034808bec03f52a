-- 0007 account security: trade passwords (交易密码), bid authorisations (投标授权), e-mail binding, known
-- devices and pending log-in steps (new-device SMS confirmation, staff TOTP), staff second factor (TOTP
-- secret encrypted with the PII cipher, hashed recovery codes), and the SMS code purposes these need.

-- One trade password per user: bcrypt (the login password's versioned pre-hash scheme), 6 digits.
create table trade_passwords (
  user_id bigint primary key references users (id),
  password_hash text not null,
  set_at timestamptz not null,
  updated_at timestamptz not null
);

-- A bid authorisation window: opened by a verified trade password, for one session, capped in fen.
-- consumeBidAuthorisation raises used_fen with a conditional update, so the cap holds under concurrency.
create table bid_authorisations (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  -- SHA-256 of the session id it belongs to (sessions.id_hash)
  session_hash text not null,
  cap_fen bigint not null check (cap_fen > 0),
  used_fen bigint not null default 0 check (used_fen >= 0),
  expires_at timestamptz not null,
  closed_at timestamptz,
  created_at timestamptz not null,
  check (used_fen <= cap_fen)
);
create index bid_authorisations_user_idx on bid_authorisations (user_id, session_hash, id desc);

-- E-mail: the bound address (encrypted; keyed hash unique) and pending confirmation links.
alter table users add column email_hash text unique;
alter table users add column email_verified_at timestamptz;

create table email_bindings (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  email_enc bytea not null,
  email_hash text not null,
  -- SHA-256 of the token in the link; the raw token is only in the e-mail
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null
);
create index email_bindings_user_idx on email_bindings (user_id, id desc);

-- Devices a user has logged in from (SHA-256 of the long-lived random device cookie).
create table known_devices (
  user_id bigint not null references users (id),
  device_hash text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  primary key (user_id, device_hash)
);

-- A log-in that passed the password but waits for a second step: an SMS code (user, new device) or a TOTP
-- code (staff). Keyed by SHA-256 of a random id kept in a short-lived cookie; not a session.
create table pending_logins (
  id_hash text primary key,
  subject_type text not null check (subject_type in ('user', 'staff')),
  subject_id bigint not null,
  step text not null check (step in ('device_sms', 'totp', 'totp_enrol')),
  device_hash text,
  attempts integer not null default 0 check (attempts >= 0),
  next_path text,
  ip text,
  user_agent text,
  expires_at timestamptz not null,
  created_at timestamptz not null
);
create index pending_logins_expires_at_idx on pending_logins (expires_at);

-- Staff TOTP: the secret (encrypted), enabled once a first code was confirmed; the last time step used
-- (a code is accepted once).
create table staff_totp (
  staff_id bigint primary key references staff (id),
  secret_enc bytea not null,
  enabled_at timestamptz,
  last_used_step bigint,
  created_at timestamptz not null
);

create table staff_recovery_codes (
  id bigint generated always as identity primary key,
  staff_id bigint not null references staff (id),
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null
);
create index staff_recovery_codes_staff_idx on staff_recovery_codes (staff_id);

-- SMS code purposes of this migration: trade password set/reset, re-authentication, phone change (old and
-- new phone), new-device log-in.
alter table sms_codes drop constraint sms_codes_purpose_check;
alter table sms_codes add constraint sms_codes_purpose_check check (purpose in (
  'register', 'login', 'reset_password', 'trade_password', 'reauth', 'phone_change_old', 'phone_change_new',
  'login_device'
));
