-- 0013 risk: the automatic review (系统初审) — versioned rule sets and scorecards that risk staff edit in the
-- admin (risk.rules), the platform's internal blacklist, and every automatic decision with the rule-set
-- version, each rule's result and the signals it saw (credit-bureau report included).

-- 规则集: every save is a new version; exactly one is active (the one the next decision uses).
create table risk_rule_sets (
  id bigint generated always as identity primary key,
  version integer not null unique check (version > 0),
  -- [{code, description, field, operator, value, outcome, reasonCode}, …] (domain/risk/rules.ts ruleSetSchema)
  rules jsonb not null check (jsonb_typeof(rules) = 'array'),
  status text not null check (status in ('draft', 'active', 'retired')),
  note text check (note is null or length(note) <= 200),
  -- null for the seeded default
  created_by bigint references staff (id),
  created_at timestamptz not null default now(),
  activated_at timestamptz,
  retired_at timestamptz,
  check (status <> 'active' or activated_at is not null)
);
create unique index risk_rule_sets_one_active_idx on risk_rule_sets ((true)) where status = 'active';

-- 评分卡: versioned like the rule sets. config = {basePoints, attributes: [{attribute, bands: [{min, max,
-- points}], missingPoints}], cutoffs: {A, B, C, D}} (domain/risk/scorecard.ts scorecardSchema).
create table scorecards (
  id bigint generated always as identity primary key,
  version integer not null unique check (version > 0),
  config jsonb not null check (jsonb_typeof(config) = 'object'),
  status text not null check (status in ('draft', 'active', 'retired')),
  note text check (note is null or length(note) <= 200),
  created_by bigint references staff (id),
  created_at timestamptz not null default now(),
  activated_at timestamptz,
  retired_at timestamptz,
  check (status <> 'active' or activated_at is not null)
);
create unique index scorecards_one_active_idx on scorecards ((true)) where status = 'active';

-- 内部黑名单: keyed hashes only (PiiCipher.hash: `id:<ID number>` as users.id_number_hash, the normalised
-- phone as users.phone_hash) and masks for display. Never deleted: removal records who, when and why.
create table blacklist_entries (
  id bigint generated always as identity primary key,
  id_number_hash text,
  id_number_mask text check (id_number_mask is null or length(id_number_mask) <= 30),
  phone_hash text,
  phone_mask text check (phone_mask is null or length(phone_mask) <= 20),
  reason text not null check (length(reason) between 2 and 200),
  added_by bigint not null references staff (id),
  added_at timestamptz not null default now(),
  removed_at timestamptz,
  removed_by bigint references staff (id),
  removed_reason text check (removed_reason is null or length(removed_reason) between 2 and 200),
  check (id_number_hash is not null or phone_hash is not null),
  check ((removed_at is null and removed_by is null and removed_reason is null)
    or (removed_at is not null and removed_by is not null and removed_reason is not null))
);
create index blacklist_entries_id_number_idx on blacklist_entries (id_number_hash)
  where id_number_hash is not null and removed_at is null;
create index blacklist_entries_phone_idx on blacklist_entries (phone_hash)
  where phone_hash is not null and removed_at is null;
create index blacklist_entries_added_idx on blacklist_entries (id desc);

-- 初审决定: one row per automatic review, with everything it saw.
create table risk_decisions (
  id bigint generated always as identity primary key,
  application_id bigint not null references loan_applications (id),
  rule_set_version integer not null references risk_rule_sets (version),
  scorecard_version integer not null references scorecards (version),
  score integer not null,
  grade text not null check (grade in ('A', 'B', 'C', 'D', 'E')),
  outcome text not null check (outcome in ('reject', 'manual_review', 'pass')),
  -- every rule with its result: [{code, …, actual, hit, missing}]
  rule_results jsonb not null check (jsonb_typeof(rule_results) = 'array'),
  -- the scorecard's lines: [{attribute, value, band, points}]
  score_lines jsonb not null default '[]'::jsonb,
  -- the signals (RiskSignals as JSON, the bureau report included)
  signals jsonb not null,
  created_at timestamptz not null default now()
);
create index risk_decisions_application_idx on risk_decisions (application_id, id desc);
-- the 7-day device / IP signals
create index loan_applications_device_idx on loan_applications (device_id, created_at) where device_id is not null;
create index loan_applications_ip_idx on loan_applications (ip, created_at) where ip is not null;

-- The defaults (equal to DEFAULT_RULES and DEFAULT_SCORECARD in domain/risk/; a test keeps them so).
insert into risk_rule_sets (version, rules, status, note, activated_at) values (1, '[
  {"code":"R001","description":"年龄下限","field":"applicant_age","operator":"lt","value":18,"outcome":"reject","reasonCode":"申请人未满18周岁"},
  {"code":"R002","description":"年龄上限","field":"applicant_age","operator":"gt","value":60,"outcome":"manual_review","reasonCode":"申请人年龄超过60周岁，需人工审核"},
  {"code":"R003","description":"内部黑名单","field":"internal_blacklist_hit","operator":"eq","value":true,"outcome":"reject","reasonCode":"命中平台内部黑名单"},
  {"code":"R004","description":"外部黑名单","field":"external_blacklist_hit","operator":"eq","value":true,"outcome":"reject","reasonCode":"命中外部黑名单"},
  {"code":"R005","description":"外部黑名单不可查","field":"external_blacklist_available","operator":"eq","value":false,"outcome":"manual_review","reasonCode":"外部黑名单暂不可查询，转人工审核"},
  {"code":"R006","description":"征信不可用","field":"bureau_available","operator":"eq","value":false,"outcome":"manual_review","reasonCode":"征信报告暂不可用，转人工审核"},
  {"code":"R007","description":"严重逾期","field":"bureau_max_overdue_days","operator":"gt","value":30,"outcome":"reject","reasonCode":"近6个月有超过30天的逾期"},
  {"code":"R008","description":"近期逾期","field":"bureau_overdue_count_6m","operator":"gte","value":1,"outcome":"manual_review","reasonCode":"近6个月有逾期记录"},
  {"code":"R009","description":"多头借贷","field":"bureau_outstanding_fen","operator":"gt","value":50000000,"outcome":"manual_review","reasonCode":"他平台借款余额超过50万元"},
  {"code":"R010","description":"多头查询","field":"bureau_queries_1m","operator":"gte","value":6,"outcome":"manual_review","reasonCode":"近1个月征信查询6次及以上"},
  {"code":"R011","description":"负债过高","field":"debt_ratio","operator":"gt","value":70,"outcome":"reject","reasonCode":"负债收入比超过70%"},
  {"code":"R012","description":"负债偏高","field":"debt_ratio","operator":"gt","value":50,"outcome":"manual_review","reasonCode":"负债收入比超过50%"},
  {"code":"R013","description":"收入偏低","field":"monthly_income_fen","operator":"lt","value":200000,"outcome":"manual_review","reasonCode":"月收入低于2000元"},
  {"code":"R014","description":"设备聚集","field":"same_device_applicants_7d","operator":"gte","value":3,"outcome":"reject","reasonCode":"7天内同一设备有3个及以上其他申请人"},
  {"code":"R015","description":"设备共用","field":"same_device_applicants_7d","operator":"gte","value":1,"outcome":"manual_review","reasonCode":"7天内同一设备有其他申请人"},
  {"code":"R016","description":"IP聚集","field":"same_ip_applications_7d","operator":"gte","value":5,"outcome":"manual_review","reasonCode":"7天内同一IP有5笔及以上其他申请"},
  {"code":"R017","description":"评分过低","field":"score","operator":"lt","value":520,"outcome":"reject","reasonCode":"信用评分低于520分"}
]'::jsonb, 'active', '初始规则', now());

insert into scorecards (version, config, status, note, activated_at) values (1, '{"basePoints":500,"cutoffs":{"A":720,"B":670,"C":620,"D":570},"attributes":[
    {"attribute":"applicant_age","bands":[{"min":null,"max":22,"points":0},{"min":22,"max":25,"points":10},{"min":25,"max":35,"points":25},{"min":35,"max":50,"points":35},{"min":50,"max":60,"points":20},{"min":60,"max":null,"points":0}],"missingPoints":0},
    {"attribute":"monthly_income_fen","bands":[{"min":null,"max":300000,"points":0},{"min":300000,"max":600000,"points":15},{"min":600000,"max":1000000,"points":30},{"min":1000000,"max":2000000,"points":45},{"min":2000000,"max":null,"points":60}],"missingPoints":0},
    {"attribute":"debt_ratio","bands":[{"min":null,"max":20,"points":50},{"min":20,"max":35,"points":35},{"min":35,"max":50,"points":20},{"min":50,"max":70,"points":5},{"min":70,"max":null,"points":-20}],"missingPoints":0},
    {"attribute":"employment_years","bands":[{"min":null,"max":1,"points":0},{"min":1,"max":3,"points":15},{"min":3,"max":5,"points":25},{"min":5,"max":null,"points":35}],"missingPoints":0},
    {"attribute":"bureau_overdue_count_6m","bands":[{"min":null,"max":1,"points":60},{"min":1,"max":2,"points":20},{"min":2,"max":4,"points":-10},{"min":4,"max":null,"points":-40}],"missingPoints":0},
    {"attribute":"bureau_outstanding_fen","bands":[{"min":null,"max":1,"points":40},{"min":1,"max":5000000,"points":30},{"min":5000000,"max":20000000,"points":10},{"min":20000000,"max":50000000,"points":-10},{"min":50000000,"max":null,"points":-40}],"missingPoints":0},
    {"attribute":"bureau_queries_1m","bands":[{"min":null,"max":3,"points":20},{"min":3,"max":6,"points":5},{"min":6,"max":null,"points":-15}],"missingPoints":0}
]}'::jsonb, 'active', '初始评分卡', now());
