/**
 * The clicks with the attributes the rollups count, as one SQL query to use as a table (`FROM
 * (CLICK_FACTS) AS clicks`): the click tables joined once per row. The `clicks` view looks each value
 * up in a subquery of its own, which is what a query reading a few columns wants; reading them all,
 * as the rollup thread does for every click, that is three times the lookups of these joins.
 * Its columns are the `clicks` view's (drizzle/0011_compact_clicks.sql) of the same names.
 */
export const CLICK_FACTS = `SELECT r.rid AS rid, r.bot AS bot, r.qr AS qr, r.rid >> 10 AS created_at,
  l.workspace_id AS workspace_id, l.tenant_id AS tenant_id, l.partner_id AS partner_id, l.domain AS domain,
  p.country_code AS country_code, p.city AS city, a.device_type AS device_type, a.browser_name AS browser_name,
  a.os_name AS os_name, f.host AS referrer_host, u.value AS utm
  FROM click_rows r JOIN click_links l ON l.id = r.link
  LEFT JOIN click_places p ON p.id = r.place LEFT JOIN click_agents a ON a.id = r.agent
  LEFT JOIN click_referrers f ON f.id = r.referrer LEFT JOIN click_texts u ON u.id = r.utm`
