-- Hand-written: what drizzle-kit does not derive from src/db/pg/schema.ts.
-- The link_changes counter and its triggers mirror SQLite's links_changed_* (drizzle/0005_link_changes.sql)
-- and domains_changed_* (drizzle/0009_domains.sql): one bump per row written, whoever writes.
INSERT INTO link_changes (id, n) VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION link_changes_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE link_changes SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER links_changed_insert AFTER INSERT ON links FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
--> statement-breakpoint
CREATE TRIGGER links_changed_update AFTER UPDATE ON links FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
--> statement-breakpoint
CREATE TRIGGER links_changed_delete AFTER DELETE ON links FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
--> statement-breakpoint
CREATE TRIGGER domains_changed_insert AFTER INSERT ON domains FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
--> statement-breakpoint
CREATE TRIGGER domains_changed_update AFTER UPDATE ON domains FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
--> statement-breakpoint
CREATE TRIGGER domains_changed_delete AFTER DELETE ON domains FOR EACH ROW EXECUTE FUNCTION link_changes_bump();
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
