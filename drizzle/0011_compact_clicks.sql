CREATE TABLE `click_rollups_all` (
	`workspace_id` text NOT NULL,
	`day` integer NOT NULL,
	`dim` text NOT NULL,
	`key` text NOT NULL,
	`clicks` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `dim`, `day`, `key`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The rollups are their primary key and little else: WITHOUT ROWID stores them once, not as a table
-- and an index of the same size (hand-written: drizzle has no word for it).
CREATE TABLE `click_rollups_compact` (
	`workspace_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`dim` text NOT NULL,
	`key` text NOT NULL,
	`clicks` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `dim`, `day`, `tenant_id`, `key`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO click_rollups_compact SELECT workspace_id, tenant_id, day, dim, key, clicks FROM click_rollups;--> statement-breakpoint
DROP TABLE click_rollups;--> statement-breakpoint
ALTER TABLE click_rollups_compact RENAME TO click_rollups;
--> statement-breakpoint
CREATE TABLE `click_agents` (
	`id` integer PRIMARY KEY NOT NULL,
	`browser_name` text,
	`browser_version` text,
	`os_name` text,
	`os_version` text,
	`device_type` text
);
--> statement-breakpoint
CREATE INDEX `click_agents_idx` ON `click_agents` (`browser_name`,`browser_version`,`os_name`,`os_version`,`device_type`);--> statement-breakpoint
CREATE TABLE `click_legacy_ids` (
	`rid` integer PRIMARY KEY NOT NULL,
	`uuid` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `click_legacy_ids_uuid_idx` ON `click_legacy_ids` (`uuid`);--> statement-breakpoint
CREATE TABLE `click_links` (
	`id` integer PRIMARY KEY NOT NULL,
	`link_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`short_id` text NOT NULL,
	`domain` text NOT NULL,
	`partner_id` text,
	`external_id` text,
	`tenant_id` text
);
--> statement-breakpoint
CREATE INDEX `click_links_link_idx` ON `click_links` (`link_id`,`workspace_id`,`short_id`,`domain`,`partner_id`,`external_id`,`tenant_id`);--> statement-breakpoint
CREATE INDEX `click_links_partner_idx` ON `click_links` (`partner_id`);--> statement-breakpoint
CREATE TABLE `click_places` (
	`id` integer PRIMARY KEY NOT NULL,
	`country` text,
	`country_code` text,
	`city` text
);
--> statement-breakpoint
CREATE INDEX `click_places_idx` ON `click_places` (`country_code`,`city`,`country`);--> statement-breakpoint
CREATE TABLE `click_referrers` (
	`id` integer PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`host` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `click_referrers_url_idx` ON `click_referrers` (`url`);--> statement-breakpoint
CREATE TABLE `click_rows` (
	`rid` integer PRIMARY KEY NOT NULL,
	`nonce` blob,
	`ws` integer NOT NULL,
	`link` integer NOT NULL,
	`dest` integer,
	`dest_tail` text,
	`referrer` integer,
	`utm` integer,
	`visitor` blob,
	`session` blob,
	`agent` integer,
	`lang` integer,
	`place` integer,
	`ip` blob,
	`qr` integer DEFAULT 0 NOT NULL,
	`bot` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `click_rows_ws_idx` ON `click_rows` (`ws`) WHERE bot = 0;--> statement-breakpoint
CREATE INDEX `click_rows_link_idx` ON `click_rows` (`link`) WHERE bot = 0;--> statement-breakpoint
CREATE TABLE `click_texts` (
	`id` integer PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `click_texts_value_idx` ON `click_texts` (`value`);--> statement-breakpoint
CREATE TABLE `click_workspaces` (
	`id` integer PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `click_workspaces_workspace_idx` ON `click_workspaces` (`workspace_id`);--> statement-breakpoint
ALTER TABLE `leads` ADD `click_rid` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `leads_click_rid_idx` ON `leads` (`click_rid`);--> statement-breakpoint
ALTER TABLE `sales` ADD `click_rid` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `sales_click_rid_idx` ON `sales` (`click_rid`);
--> statement-breakpoint
-- Hand-written from here (issue 17): the clicks move into the compact tables, then a view of the old
-- name shows them exactly as before. Dictionaries first, then one row per click.
INSERT INTO click_workspaces (workspace_id) SELECT DISTINCT workspace_id FROM clicks;--> statement-breakpoint
INSERT INTO click_links (link_id, workspace_id, short_id, domain, partner_id, external_id, tenant_id)
  SELECT DISTINCT link_id, workspace_id, short_id, domain, partner_id, external_id, tenant_id FROM clicks;--> statement-breakpoint
INSERT INTO click_agents (browser_name, browser_version, os_name, os_version, device_type)
  SELECT DISTINCT browser_name, browser_version, os_name, os_version, device_type FROM clicks
  WHERE coalesce(browser_name, browser_version, os_name, os_version, device_type) IS NOT NULL;--> statement-breakpoint
INSERT INTO click_places (country, country_code, city)
  SELECT DISTINCT country, country_code, city FROM clicks WHERE coalesce(country, country_code, city) IS NOT NULL;--> statement-breakpoint
INSERT INTO click_referrers (url, host) SELECT referrer, min(referrer_host) FROM clicks WHERE referrer IS NOT NULL GROUP BY referrer;--> statement-breakpoint
INSERT OR IGNORE INTO click_texts (value) SELECT replace(destination, id, char(1)) FROM clicks;--> statement-breakpoint
INSERT OR IGNORE INTO click_texts (value) SELECT utm FROM clicks WHERE utm IS NOT NULL;--> statement-breakpoint
INSERT OR IGNORE INTO click_texts (value) SELECT language FROM clicks WHERE language IS NOT NULL;--> statement-breakpoint
-- The rowid is the time and order: created_at * 1024, plus the rank among clicks of the same millisecond.
CREATE TEMP TABLE click_map AS
  SELECT rowid AS old, id AS uuid, created_at * 1024 + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1 AS rid FROM clicks;--> statement-breakpoint
CREATE INDEX temp.click_map_old ON click_map (old);--> statement-breakpoint
INSERT INTO click_rows (rid, nonce, ws, link, dest, referrer, utm, visitor, session, agent, lang, place, ip, qr, bot)
  SELECT m.rid, NULL,
    (SELECT w.id FROM click_workspaces w WHERE w.workspace_id = c.workspace_id),
    (SELECT l.id FROM click_links l WHERE l.link_id = c.link_id AND l.workspace_id = c.workspace_id AND l.short_id = c.short_id
       AND l.domain = c.domain AND l.partner_id IS c.partner_id AND l.external_id IS c.external_id AND l.tenant_id IS c.tenant_id),
    (SELECT t.id FROM click_texts t WHERE t.value = replace(c.destination, c.id, char(1))),
    (SELECT f.id FROM click_referrers f WHERE f.url = c.referrer),
    (SELECT t.id FROM click_texts t WHERE t.value = c.utm),
    c.visitor_id, c.visitor_session_id,
    (SELECT a.id FROM click_agents a WHERE a.browser_name IS c.browser_name AND a.browser_version IS c.browser_version
       AND a.os_name IS c.os_name AND a.os_version IS c.os_version AND a.device_type IS c.device_type),
    (SELECT t.id FROM click_texts t WHERE t.value = c.language),
    (SELECT p.id FROM click_places p WHERE p.country_code IS c.country_code AND p.city IS c.city AND p.country IS c.country),
    c.ip, c.qr, c.bot
  FROM clicks c JOIN click_map m ON m.old = c.rowid;--> statement-breakpoint
-- A lower-case UUID as its 16 bytes (as src/clicks/store.ts packs it), anything else as text.
INSERT INTO click_legacy_ids (rid, uuid) SELECT rid, CASE WHEN (length(uuid) = 36 AND substr(uuid, 9, 1) = '-' AND substr(uuid, 14, 1) = '-' AND substr(uuid, 19, 1) = '-' AND substr(uuid, 24, 1) = '-' AND lower(hex(unhex(replace(uuid, '-', '')))) = replace(uuid, '-', '')) THEN unhex(replace(uuid, '-', '')) ELSE uuid END FROM click_map;--> statement-breakpoint
DROP TABLE temp.click_map;--> statement-breakpoint
UPDATE leads SET click_rid = coalesce((SELECT x.rid FROM click_legacy_ids x WHERE x.uuid = CASE WHEN (length(leads.click_id) = 36 AND substr(leads.click_id, 9, 1) = '-' AND substr(leads.click_id, 14, 1) = '-' AND substr(leads.click_id, 19, 1) = '-' AND substr(leads.click_id, 24, 1) = '-' AND lower(hex(unhex(replace(leads.click_id, '-', '')))) = replace(leads.click_id, '-', '')) THEN unhex(replace(leads.click_id, '-', '')) ELSE leads.click_id END), 0);--> statement-breakpoint
UPDATE sales SET click_rid = coalesce((SELECT x.rid FROM click_legacy_ids x WHERE x.uuid = CASE WHEN (length(sales.click_id) = 36 AND substr(sales.click_id, 9, 1) = '-' AND substr(sales.click_id, 14, 1) = '-' AND substr(sales.click_id, 19, 1) = '-' AND substr(sales.click_id, 24, 1) = '-' AND lower(hex(unhex(replace(sales.click_id, '-', '')))) = replace(sales.click_id, '-', '')) THEN unhex(replace(sales.click_id, '-', '')) ELSE sales.click_id END), 0);--> statement-breakpoint
-- Clicks the rollup thread has not counted yet are counted now (as src/analytics/rollups.ts counts
-- them), so that every click is counted and the mark can move to the last new rowid.
INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks)
  SELECT w, t, d, dim, key, count(*) FROM (SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'total' AS dim, '' AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'hour' AS dim, coalesce(strftime('%Y-%m-%dT%H:00:00Z', clicks.created_at / 1000, 'unixepoch'), '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'partner' AS dim, coalesce(clicks.partner_id, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'country' AS dim, coalesce(clicks.country_code, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'city' AS dim, coalesce(clicks.city, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'device' AS dim, coalesce(clicks.device_type, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'browser' AS dim, coalesce(clicks.browser_name, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'os' AS dim, coalesce(clicks.os_name, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'referrer' AS dim, coalesce(clicks.referrer_host, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'utm_source' AS dim, coalesce(json_extract(clicks.utm, '$.source'), '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'utm_medium' AS dim, coalesce(json_extract(clicks.utm, '$.medium'), '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'utm_campaign' AS dim, coalesce(json_extract(clicks.utm, '$.campaign'), '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'qr' AS dim, coalesce(clicks.qr, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0 UNION ALL SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, 'domain' AS dim, coalesce(clicks.domain, '') AS key FROM clicks WHERE rowid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AND bot = 0) WHERE true GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, dim, day, tenant_id, key) DO UPDATE SET clicks = clicks + excluded.clicks;--> statement-breakpoint
INSERT INTO click_rollups_all (workspace_id, day, dim, key, clicks)
  SELECT workspace_id, day, dim, key, sum(clicks) FROM click_rollups GROUP BY 1, 2, 3, 4;--> statement-breakpoint
INSERT INTO rollup_state (id, click_rowid) VALUES (1, coalesce((SELECT max(rid) FROM click_rows), 0))
  ON CONFLICT (id) DO UPDATE SET click_rowid = excluded.click_rowid;--> statement-breakpoint
DROP TABLE `clicks`;--> statement-breakpoint
-- Each dictionary value is a subquery of its own: SQLite only looks up the columns a query uses.
CREATE VIEW clicks AS SELECT
  r.rid AS rid,
  r.ws AS ws,
  r.link AS link_ref,
  CASE WHEN r.nonce IS NULL THEN (SELECT CASE WHEN typeof(x.uuid) = 'blob' THEN substr(lower(hex(x.uuid)), 1, 8) || '-' || substr(lower(hex(x.uuid)), 9, 4) || '-' || substr(lower(hex(x.uuid)), 13, 4) || '-' || substr(lower(hex(x.uuid)), 17, 4) || '-' || substr(lower(hex(x.uuid)), 21, 12) ELSE x.uuid END FROM click_legacy_ids x WHERE x.rid = r.rid) ELSE printf('%08x-%04x-7%03x-%s-%s', r.rid >> 26, (r.rid >> 10) & 65535, r.rid & 1023, lower(hex(substr(r.nonce, 1, 2))), lower(hex(substr(r.nonce, 3, 6)))) END AS id,
  (SELECT workspace_id FROM click_links WHERE id = r.link) AS workspace_id,
  (SELECT link_id FROM click_links WHERE id = r.link) AS link_id,
  (SELECT short_id FROM click_links WHERE id = r.link) AS short_id,
  (SELECT domain FROM click_links WHERE id = r.link) AS domain,
  (SELECT partner_id FROM click_links WHERE id = r.link) AS partner_id,
  (SELECT external_id FROM click_links WHERE id = r.link) AS external_id,
  (SELECT tenant_id FROM click_links WHERE id = r.link) AS tenant_id,
  r.rid >> 10 AS created_at,
  replace(CASE typeof(r.dest) WHEN 'integer' THEN (SELECT value FROM click_texts WHERE id = r.dest) ELSE r.dest END || coalesce(r.dest_tail, ''), char(1), CASE WHEN r.nonce IS NULL THEN (SELECT CASE WHEN typeof(x.uuid) = 'blob' THEN substr(lower(hex(x.uuid)), 1, 8) || '-' || substr(lower(hex(x.uuid)), 9, 4) || '-' || substr(lower(hex(x.uuid)), 13, 4) || '-' || substr(lower(hex(x.uuid)), 17, 4) || '-' || substr(lower(hex(x.uuid)), 21, 12) ELSE x.uuid END FROM click_legacy_ids x WHERE x.rid = r.rid) ELSE printf('%08x-%04x-7%03x-%s-%s', r.rid >> 26, (r.rid >> 10) & 65535, r.rid & 1023, lower(hex(substr(r.nonce, 1, 2))), lower(hex(substr(r.nonce, 3, 6)))) END) AS destination,
  (SELECT url FROM click_referrers WHERE id = r.referrer) AS referrer,
  (SELECT host FROM click_referrers WHERE id = r.referrer) AS referrer_host,
  (SELECT value FROM click_texts WHERE id = r.utm) AS utm,
  r.visitor AS visitor_id,
  r.session AS visitor_session_id,
  (SELECT browser_name FROM click_agents WHERE id = r.agent) AS browser_name,
  (SELECT browser_version FROM click_agents WHERE id = r.agent) AS browser_version,
  (SELECT os_name FROM click_agents WHERE id = r.agent) AS os_name,
  (SELECT os_version FROM click_agents WHERE id = r.agent) AS os_version,
  (SELECT device_type FROM click_agents WHERE id = r.agent) AS device_type,
  (SELECT value FROM click_texts WHERE id = r.lang) AS language,
  (SELECT country FROM click_places WHERE id = r.place) AS country,
  (SELECT country_code FROM click_places WHERE id = r.place) AS country_code,
  (SELECT city FROM click_places WHERE id = r.place) AS city,
  r.qr AS qr,
  r.bot AS bot,
  CASE
    WHEN typeof(r.ip) <> 'integer' THEN r.ip
    WHEN r.ip < 16777216 THEN (r.ip >> 16) || '.' || ((r.ip >> 8) & 255) || '.' || (r.ip & 255) || '.0'
    ELSE printf('%x:%x:%x::', (r.ip >> 32) & 65535, (r.ip >> 16) & 65535, r.ip & 65535)
  END AS ip
FROM click_rows r;
