-- 0006 identity: real-name verification (实名认证), the custody sub-account it opens, bank cards and
-- video verification (视频认证). Personal data is stored encrypted (PiiCipher) with keyed hashes for
-- look-ups; nothing here holds it in the clear.

-- The verified identity of a user: set once, when verification passes (by the gateway or by staff).
alter table users add column real_name_enc bytea;
alter table users add column id_number_enc bytea;
-- keyed hash of the verified name, for the staff search by name (exact)
alter table users add column real_name_hash text;
-- one ID number verifies one user
alter table users add column id_number_hash text unique;
alter table users add column identity_verified_at timestamptz;
create index users_real_name_hash_idx on users (real_name_hash) where real_name_hash is not null;
alter table users add constraint users_identity_complete check (
  (identity_verified_at is null and real_name_enc is null and id_number_enc is null and id_number_hash is null)
  or (identity_verified_at is not null and real_name_enc is not null and id_number_enc is not null
      and id_number_hash is not null));

-- Verification attempts that reached the identity gateway and did not simply pass: the staff KYC queue
-- of real-name exceptions (the gateway said mismatch or asked for a manual review).
create table identity_reviews (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  real_name_enc bytea not null,
  id_number_enc bytea not null,
  id_number_hash text not null,
  gateway_code text not null check (gateway_code in ('mismatch', 'needs_review')),
  gateway_message text not null,
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'rejected', 'superseded')),
  reviewed_by bigint references staff (id),
  review_reason text,
  reviewed_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index identity_reviews_one_pending_idx on identity_reviews (user_id) where status = 'pending';
create index identity_reviews_pending_idx on identity_reviews (created_at, id) where status = 'pending';
create index identity_reviews_user_idx on identity_reviews (user_id, id);

-- The user's sub-account at the custody bank, opened after verification (outbox topic custody.open_account).
create table custody_accounts (
  user_id bigint primary key references users (id),
  account_no text unique,
  status text not null default 'opening' check (status in ('opening', 'open', 'failed')),
  failure_reason text,
  opened_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((status = 'open') = (account_no is not null and opened_at is not null))
);

-- Bank cards (银行卡). A card number is bound to at most one user at a time; a user has at most one
-- default among the active cards.
create table bank_cards (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  card_number_enc bytea not null,
  card_number_hash text not null,
  -- the first six digits (the bank's BIN) and the last four: what the mask shows (6222 **** **** 1234)
  card_bin text not null check (card_bin ~ '^[0-9]{6}$'),
  last4 text not null check (last4 ~ '^[0-9]{4}$'),
  bank_code text not null,
  bank_name text not null,
  reserved_phone_enc bytea not null,
  is_default boolean not null default false,
  status text not null default 'active' check (status in ('active', 'removed')),
  created_at timestamptz not null default now(),
  removed_at timestamptz,
  check ((status = 'removed') = (removed_at is not null)),
  check (not (is_default and status = 'removed'))
);
create unique index bank_cards_active_number_idx on bank_cards (card_number_hash) where status = 'active';
create unique index bank_cards_one_default_idx on bank_cards (user_id) where is_default;
create index bank_cards_user_idx on bank_cards (user_id, id) where status = 'active';

-- Video verification (视频认证): the uploaded file lives under the data directory (never under static/),
-- named by `file_name` (random); staff approve or reject it with a reason.
create table video_verifications (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  file_name text not null unique check (file_name ~ '^[a-f0-9]{32}\.(mp4|webm|mov)$'),
  content_type text not null check (content_type in ('video/mp4', 'video/webm', 'video/quicktime')),
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  reviewed_by bigint references staff (id),
  review_reason text,
  reviewed_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'pending') = (reviewed_at is null))
);
-- one video waiting for review per user
create unique index video_verifications_one_pending_idx on video_verifications (user_id) where status = 'pending';
create index video_verifications_pending_idx on video_verifications (created_at, id) where status = 'pending';
create index video_verifications_user_idx on video_verifications (user_id, id);
