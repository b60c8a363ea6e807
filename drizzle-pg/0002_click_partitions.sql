-- Hand-written: click_rows partitioned by month (issue 18). drizzle-kit cannot express PARTITION BY, so
-- the table is made again here with the columns, checks and indexes 0000_init gave it. The partitions
-- are ranges of rid (a click's millisecond times 1024, src/clicks/store.ts): src/clicks/partitions.ts
-- creates each month's ahead of time and retention drops whole old months (src/clicks/retention.ts).
-- The default partition keeps rows of months that have none (clicks copied in by hand, far dates).
-- PostgreSQL 15 has no identity column on a partitioned table, and needs none: the writer makes rids.
-- The clicks view depends on the table: dropped first, made again as 0001 made it.
DROP VIEW clicks;
--> statement-breakpoint
ALTER TABLE click_rows RENAME TO click_rows_unpartitioned;
--> statement-breakpoint
ALTER TABLE click_rows_unpartitioned DROP CONSTRAINT click_rows_pkey;
--> statement-breakpoint
DROP INDEX click_rows_ws_idx;
--> statement-breakpoint
DROP INDEX click_rows_link_idx;
--> statement-breakpoint
CREATE TABLE "click_rows" (
	"rid" bigint NOT NULL,
	"nonce" "bytea",
	"ws" bigint NOT NULL,
	"link" bigint NOT NULL,
	"dest" bigint,
	"dest_text" text,
	"dest_tail" text,
	"referrer" bigint,
	"utm" bigint,
	"visitor" "bytea",
	"visitor_text" text,
	"session" "bytea",
	"session_text" text,
	"agent" bigint,
	"lang" bigint,
	"place" bigint,
	"ip" bigint,
	"ip_text" text,
	"qr" bigint DEFAULT 0 NOT NULL,
	"bot" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "click_rows_pkey" PRIMARY KEY ("rid"),
	CONSTRAINT "click_rows_dest_one_check" CHECK (num_nonnulls("dest", "dest_text") <= 1),
	CONSTRAINT "click_rows_visitor_one_check" CHECK (num_nonnulls("visitor", "visitor_text") <= 1),
	CONSTRAINT "click_rows_session_one_check" CHECK (num_nonnulls("session", "session_text") <= 1),
	CONSTRAINT "click_rows_ip_one_check" CHECK (num_nonnulls("ip", "ip_text") <= 1)
) PARTITION BY RANGE ("rid");
--> statement-breakpoint
CREATE INDEX "click_rows_ws_idx" ON "click_rows" USING btree ("ws") WHERE bot = 0;
--> statement-breakpoint
CREATE INDEX "click_rows_link_idx" ON "click_rows" USING btree ("link") WHERE bot = 0;
--> statement-breakpoint
CREATE TABLE click_rows_default PARTITION OF click_rows DEFAULT;
--> statement-breakpoint
INSERT INTO click_rows SELECT rid, nonce, ws, link, dest, dest_text, dest_tail, referrer, utm, visitor, visitor_text, session, session_text,
  agent, lang, place, ip, ip_text, qr, bot FROM click_rows_unpartitioned;
--> statement-breakpoint
DROP TABLE click_rows_unpartitioned;
--> statement-breakpoint
-- Mirrors SQLite's `clicks` view (drizzle/0011_compact_clicks.sql): the same columns in the same order,
-- computed the same way. Where SQLite tells a value's form by typeof(), PostgreSQL reads the column pair
-- of src/db/pg/schema.ts's MIXED (`dest`/`dest_text`, …). Visitor and session ids come out as the text
-- the API shows (SQLite's view leaves their 16 bytes to visitorText). Left joins on primary keys:
-- PostgreSQL drops those whose columns a query does not read, as SQLite skips the unread subqueries.
CREATE VIEW clicks AS SELECT
  r.rid AS rid,
  r.ws AS ws,
  r.link AS link_ref,
  i.id AS id,
  l.workspace_id AS workspace_id,
  l.link_id AS link_id,
  l.short_id AS short_id,
  l.domain AS domain,
  l.partner_id AS partner_id,
  l.external_id AS external_id,
  l.tenant_id AS tenant_id,
  r.rid >> 10 AS created_at,
  replace(coalesce(d.value, r.dest_text) || coalesce(r.dest_tail, ''), chr(1), i.id) AS destination,
  f.url AS referrer,
  f.host AS referrer_host,
  u.value AS utm,
  coalesce(r.visitor_text, translate(encode(r.visitor, 'base64'), E'+/=\n', '-_')) AS visitor_id,
  coalesce(r.session_text, translate(encode(r.session, 'base64'), E'+/=\n', '-_')) AS visitor_session_id,
  a.browser_name AS browser_name,
  a.browser_version AS browser_version,
  a.os_name AS os_name,
  a.os_version AS os_version,
  a.device_type AS device_type,
  g.value AS language,
  p.country AS country,
  p.country_code AS country_code,
  p.city AS city,
  r.qr AS qr,
  r.bot AS bot,
  CASE
    WHEN r.ip IS NULL THEN r.ip_text
    WHEN r.ip < 16777216 THEN (r.ip >> 16) || '.' || ((r.ip >> 8) & 255) || '.' || (r.ip & 255) || '.0'
    ELSE to_hex((r.ip >> 32) & 65535) || ':' || to_hex((r.ip >> 16) & 65535) || ':' || to_hex(r.ip & 65535) || '::'
  END AS ip
FROM click_rows r
LEFT JOIN click_legacy_ids x ON r.nonce IS NULL AND x.rid = r.rid
CROSS JOIN LATERAL (SELECT CASE
  WHEN r.nonce IS NOT NULL THEN lpad(to_hex(r.rid >> 26), 8, '0') || '-' || lpad(to_hex((r.rid >> 10) & 65535), 4, '0') || '-7'
    || lpad(to_hex(r.rid & 1023), 3, '0') || '-' || encode(substring(r.nonce FROM 1 FOR 2), 'hex') || '-' || encode(substring(r.nonce FROM 3 FOR 6), 'hex')
  WHEN x.uuid IS NOT NULL THEN substr(encode(x.uuid, 'hex'), 1, 8) || '-' || substr(encode(x.uuid, 'hex'), 9, 4) || '-' || substr(encode(x.uuid, 'hex'), 13, 4)
    || '-' || substr(encode(x.uuid, 'hex'), 17, 4) || '-' || substr(encode(x.uuid, 'hex'), 21, 12)
  ELSE x.uuid_text
END AS id) i
LEFT JOIN click_links l ON l.id = r.link
LEFT JOIN click_texts d ON d.id = r.dest
LEFT JOIN click_referrers f ON f.id = r.referrer
LEFT JOIN click_texts u ON u.id = r.utm
LEFT JOIN click_agents a ON a.id = r.agent
LEFT JOIN click_texts g ON g.id = r.lang
LEFT JOIN click_places p ON p.id = r.place;
