import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, sqliteTable, sqliteView, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Timestamps are Unix milliseconds: compact, index-friendly and exact to the millisecond.
const createdAt = () => integer('created_at', { mode: 'timestamp_ms' }).notNull()
const updatedAt = () => integer('updated_at', { mode: 'timestamp_ms' }).notNull()
/** Soft delete: the row stays for history (clicks, conversions) but leaves every API answer. */
const deletedAt = () => integer('deleted_at', { mode: 'timestamp_ms' })
const workspaceId = () =>
  text('workspace_id')
    .notNull()
    .references(() => workspaces.id)

export const workspaces = sqliteTable('workspaces', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  plan: text('plan').notNull().default('unlimited'),
  // An explicit per-workspace limit; null means "the plan's, else HOKO_RATE_LIMIT".
  rateLimit: integer('rate_limit'),
  createdAt: createdAt(),
  // One of the workspace's domains (no foreign key: the two tables would reference each other);
  // null means the host of HOKO_BASE_URL. Deleting a domain clears it in the same transaction.
  defaultDomainId: text('default_domain_id'),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    name: text('name').notNull(),
    // SHA-256 of the whole key, hex. The plaintext is never stored.
    hash: text('hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    // Comma-separated scope names.
    scopes: text('scopes').notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('api_keys_workspace_idx').on(t.workspaceId)],
)

// Instance-wide settings such as the generated signing secret.
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
})

export const collections = sqliteTable(
  'collections',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index('collections_workspace_created_idx').on(t.workspaceId, t.createdAt)],
)

export const tags = sqliteTable(
  'tags',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    color: text('color').notNull().default('slate'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('tags_workspace_idx').on(t.workspaceId, t.id)],
)

export const partners = sqliteTable(
  'partners',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    /** The partner's rewards (partners/model.ts), as JSON; null: none. */
    rewards: text('rewards', { mode: 'json' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index('partners_workspace_created_idx').on(t.workspaceId, t.createdAt)],
)

export const customers = sqliteTable(
  'customers',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    externalId: text('external_id').notNull(),
    name: text('name'),
    email: text('email'),
    phone: text('phone'),
    avatar: text('avatar'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('customers_workspace_external_idx').on(t.workspaceId, t.externalId),
    index('customers_workspace_created_idx').on(t.workspaceId, t.createdAt),
  ],
)

export const links = sqliteTable(
  'links',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    // Unique on its domain and never reused there, deleted links included: a printed QR code must
    // not start pointing somewhere else.
    shortId: text('short_id').notNull(),
    /** A hostname of the workspace's domains, or '' for the host of HOKO_BASE_URL, whatever it is now. */
    domain: text('domain').notNull().default(''),
    url: text('url').notNull(),
    title: text('title'),
    description: text('description'),
    image: text('image'),
    /** JSON object of the set utm keys, or null. */
    utm: text('utm', { mode: 'json' }).$type<Record<string, string>>(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    expiredUrl: text('expired_url'),
    password: text('password'),
    cloaked: integer('cloaked', { mode: 'boolean' }).notNull().default(false),
    ios: text('ios'),
    android: text('android'),
    /** JSON object country code → URL, or null. */
    geo: text('geo', { mode: 'json' }).$type<Record<string, string>>(),
    collectionId: text('collection_id')
      .notNull()
      .references(() => collections.id),
    externalId: text('external_id'),
    tenantId: text('tenant_id'),
    partnerId: text('partner_id').references(() => partners.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    uniqueIndex('links_domain_short_id_idx').on(t.domain, t.shortId),
    index('links_workspace_created_idx').on(t.workspaceId, t.createdAt),
    // externalId is unique among a workspace's live links only: a deleted link frees its externalId.
    uniqueIndex('links_workspace_external_idx')
      .on(t.workspaceId, t.externalId)
      .where(sql`external_id IS NOT NULL AND deleted_at IS NULL`),
    index('links_workspace_tenant_idx').on(t.workspaceId, t.tenantId),
    index('links_workspace_partner_idx').on(t.workspaceId, t.partnerId),
    index('links_collection_idx').on(t.collectionId),
  ],
)

/**
 * A workspace's own hostnames for short links. `name` is unique across the instance: a host can
 * answer for one workspace only. Hard-deleted, and only once no live link uses it.
 */
export const domains = sqliteTable(
  'domains',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    /** Lower-case, IDNs as punycode, no port. */
    name: text('name').notNull().unique(),
    rootUrl: text('root_url'),
    notFoundUrl: text('not_found_url'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('domains_workspace_created_idx').on(t.workspaceId, t.createdAt)],
)

export const linkTags = sqliteTable(
  'link_tags',
  {
    linkId: text('link_id')
      .notNull()
      .references(() => links.id),
    tagId: text('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.tagId] }), index('link_tags_tag_idx').on(t.tagId)],
)

/**
 * Clicks are the one table that grows without bound, so they are stored compactly (issue 17) and
 * read through the `clicks` view below, which shows them exactly as the API does.
 *
 * - The rowid is the click's time and order: `created_at * 1024 + seq`. The public id is a UUIDv7
 *   made of that rowid (time and seq) and 8 random bytes (`nonce`), so no index on the id is needed
 *   and time ranges are rowid ranges. Clicks written before the compact form keep their UUID in
 *   `click_legacy_ids` (nonce NULL).
 * - Repeated strings live once in dictionaries: the link as it was at the time of the click (its
 *   shortId, domain, partner, externalId and tenantId), the workspace, the user agent, the place, the
 *   referrer, and texts (destination with the click id cut out, utm, language).
 * - Visitor and session ids made by the redirect are stored as their 16 bytes; any other value as text.
 * - No foreign keys: the redirect path writes here and must not pay for them, and a click outlives
 *   anything it points to.
 */
export const clickRows = sqliteTable(
  'click_rows',
  {
    rid: integer('rid').primaryKey(),
    nonce: blob('nonce'),
    ws: integer('ws').notNull(),
    link: integer('link').notNull(),
    /** A dictionary id, or the text itself (a destination seen once); then `destTail` follows it. */
    dest: integer('dest'),
    destTail: text('dest_tail'),
    referrer: integer('referrer'),
    utm: integer('utm'),
    visitor: blob('visitor'),
    session: blob('session'),
    agent: integer('agent'),
    lang: integer('lang'),
    place: integer('place'),
    /** Truncated: IPv4 /24 as an integer (a.b.c), IPv6 /48 as 2^48 + its 48 bits; anything else as text. */
    ip: blob('ip'),
    qr: integer('qr').notNull().default(0),
    bot: integer('bot').notNull().default(0),
  },
  (t) => [
    // Analytics never reads bots; partial indexes keep them out of every scan. Each index also holds
    // the rowid, that is the time: (ws) serves a workspace's clicks by time, (link) a link's.
    index('click_rows_ws_idx').on(t.ws).where(sql`bot = 0`),
    index('click_rows_link_idx').on(t.link).where(sql`bot = 0`),
  ],
)

/**
 * The ids of clicks stored before the compact form (and of clicks imported with ids of their own):
 * a lower-case UUID as its 16 bytes, anything else as text.
 */
export const clickLegacyIds = sqliteTable(
  'click_legacy_ids',
  { rid: integer('rid').primaryKey(), uuid: blob('uuid').notNull() },
  (t) => [uniqueIndex('click_legacy_ids_uuid_idx').on(t.uuid)],
)

export const clickWorkspaces = sqliteTable(
  'click_workspaces',
  { id: integer('id').primaryKey(), workspaceId: text('workspace_id').notNull() },
  (t) => [uniqueIndex('click_workspaces_workspace_idx').on(t.workspaceId)],
)

/** A link as its clicks saw it: a new row when its partner, tenant, externalId, shortId or domain changes. */
export const clickLinks = sqliteTable(
  'click_links',
  {
    id: integer('id').primaryKey(),
    linkId: text('link_id').notNull(),
    workspaceId: text('workspace_id').notNull(),
    shortId: text('short_id').notNull(),
    /** '' for the host of HOKO_BASE_URL (as links.domain). */
    domain: text('domain').notNull(),
    partnerId: text('partner_id'),
    externalId: text('external_id'),
    tenantId: text('tenant_id'),
  },
  // Every column: the click writer finds a link's entry by all of them (and SQLite would otherwise
  // prefer the partner index, walking every entry without a partner); link_id first serves link filters.
  (t) => [
    index('click_links_link_idx').on(t.linkId, t.workspaceId, t.shortId, t.domain, t.partnerId, t.externalId, t.tenantId),
    index('click_links_partner_idx').on(t.partnerId),
  ],
)

export const clickAgents = sqliteTable(
  'click_agents',
  {
    id: integer('id').primaryKey(),
    browserName: text('browser_name'),
    browserVersion: text('browser_version'),
    osName: text('os_name'),
    osVersion: text('os_version'),
    deviceType: text('device_type'),
  },
  (t) => [index('click_agents_idx').on(t.browserName, t.browserVersion, t.osName, t.osVersion, t.deviceType)],
)

export const clickPlaces = sqliteTable(
  'click_places',
  { id: integer('id').primaryKey(), country: text('country'), countryCode: text('country_code'), city: text('city') },
  (t) => [index('click_places_idx').on(t.countryCode, t.city, t.country)],
)

export const clickReferrers = sqliteTable(
  'click_referrers',
  { id: integer('id').primaryKey(), url: text('url').notNull(), host: text('host') },
  (t) => [uniqueIndex('click_referrers_url_idx').on(t.url)],
)

/** Destinations (the click's id replaced by char(1)), utm objects as JSON, languages. */
export const clickTexts = sqliteTable(
  'click_texts',
  { id: integer('id').primaryKey(), value: text('value').notNull() },
  (t) => [uniqueIndex('click_texts_value_idx').on(t.value)],
)

/**
 * One click as the API shows it: the view over the tables above that drizzle/0011_compact_clicks.sql
 * creates. `rid` is the click's rowid (time and order), `ws` and `linkRef` its workspace and link
 * references, for filters that use the indexes.
 */
export const clicks = sqliteView('clicks', {
  id: text('id').notNull(),
  workspaceId: text('workspace_id').notNull(),
  linkId: text('link_id').notNull(),
  shortId: text('short_id').notNull(),
  /** The link's domain at the time of the click, '' for the host of HOKO_BASE_URL (as links.domain). */
  domain: text('domain').notNull(),
  partnerId: text('partner_id'),
  externalId: text('external_id'),
  tenantId: text('tenant_id'),
  createdAt: integer('created_at').notNull(),
  destination: text('destination').notNull(),
  referrer: text('referrer'),
  referrerHost: text('referrer_host'),
  utm: text('utm'),
  /** Text, or the 16 bytes of a redirect-made id (see clickView). */
  visitorId: text('visitor_id'),
  visitorSessionId: text('visitor_session_id'),
  browserName: text('browser_name'),
  browserVersion: text('browser_version'),
  osName: text('os_name'),
  osVersion: text('os_version'),
  deviceType: text('device_type'),
  language: text('language'),
  country: text('country'),
  countryCode: text('country_code'),
  city: text('city'),
  qr: integer('qr').notNull(),
  bot: integer('bot').notNull(),
  /** Truncated: IPv4 /24, IPv6 /48. */
  ip: text('ip'),
}).existing()

/** A lead: a customer's event attributed to a click (and through it to a link and partner). */
export const leads = sqliteTable(
  'leads',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    clickId: text('click_id').notNull(),
    /** The click's rowid in click_rows: how analytics joins a conversion to its click. */
    clickRid: integer('click_rid').notNull().default(0),
    linkId: text('link_id').notNull(),
    partnerId: text('partner_id'),
    eventName: text('event_name').notNull(),
    metadata: text('metadata'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('leads_customer_created_idx').on(t.customerId, t.createdAt),
    index('leads_workspace_created_idx').on(t.workspaceId, t.createdAt),
    index('leads_click_idx').on(t.clickId),
    index('leads_click_rid_idx').on(t.clickRid),
  ],
)

/** A sale, in the smallest unit of its currency, attributed like a lead. */
export const sales = sqliteTable(
  'sales',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    clickId: text('click_id').notNull(),
    clickRid: integer('click_rid').notNull().default(0),
    linkId: text('link_id').notNull(),
    partnerId: text('partner_id'),
    leadId: text('lead_id'),
    eventName: text('event_name').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    metadata: text('metadata'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('sales_workspace_created_idx').on(t.workspaceId, t.createdAt),
    index('sales_click_idx').on(t.clickId),
    index('sales_click_rid_idx').on(t.clickRid),
    index('sales_customer_created_idx').on(t.customerId, t.createdAt),
  ],
)

/**
 * What a partner earned for a lead or sale, written in the conversion's transaction with the amount
 * its reward gave then (later reward changes leave it alone). Amounts in the currency's smallest unit.
 */
export const commissions = sqliteTable(
  'commissions',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    partnerId: text('partner_id').notNull(),
    linkId: text('link_id').notNull(),
    customerId: text('customer_id').notNull(),
    clickId: text('click_id').notNull(),
    event: text('event', { enum: ['lead', 'sale'] }).notNull(),
    /** The lead or sale row it was earned by. */
    eventId: text('event_id').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    saleAmount: integer('sale_amount'),
    status: text('status', { enum: ['pending', 'approved', 'paid', 'canceled'] }).notNull(),
    availableAt: integer('available_at').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('commissions_workspace_created_idx').on(t.workspaceId, t.createdAt),
    index('commissions_partner_created_idx').on(t.partnerId, t.createdAt),
  ],
)

/** Responses of conversion requests sent with an Idempotency-Key, replayed to retries. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    workspaceId: text('workspace_id').notNull(),
    key: text('key').notNull(),
    /** The endpoint and a hash of the body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    status: integer('status').notNull(),
    response: text('response').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
)

/**
 * Daily click counts per workspace, tenant and dimension value (bots left out), kept by the rollup
 * thread from the clicks table so that workspace-wide summaries read thousands of rows, not
 * millions. `dim` is one of the summary's groupBy names, or `total`; `key` is '' for a missing value.
 */
export const clickRollups = sqliteTable(
  'click_rollups',
  {
    workspaceId: text('workspace_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    day: integer('day').notNull(),
    dim: text('dim').notNull(),
    key: text('key').notNull(),
    clicks: integer('clicks').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.dim, t.day, t.tenantId, t.key] })],
)

/**
 * The same counts over all tenants: a summary without a tenant filter reads one row per day and
 * value here instead of one per tenant (seventy tenants made a summary by country 200 ms at 1M clicks).
 */
export const clickRollupsAll = sqliteTable(
  'click_rollups_all',
  {
    workspaceId: text('workspace_id').notNull(),
    day: integer('day').notNull(),
    dim: text('dim').notNull(),
    key: text('key').notNull(),
    clicks: integer('clicks').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.dim, t.day, t.key] })],
)

/** How far the rollups go: every click with a rowid up to `clickRowid` is counted in them. */
export const rollupState = sqliteTable('rollup_state', {
  id: integer('id').primaryKey(),
  clickRowid: integer('click_rowid').notNull(),
})

/**
 * One row counting writes to `links` and `domains`, bumped by triggers (drizzle/0005_link_changes.sql,
 * 0006_domains.sql) whichever connection or process writes: how a server notices links or domains
 * changed elsewhere (redirect/cache.ts).
 */
export const linkChanges = sqliteTable('link_changes', {
  id: integer('id').primaryKey(),
  n: integer('n').notNull(),
})

/** Dashboard users; the email is stored lower-cased and is the login name. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** Bun.password (argon2id) PHC string. */
  passwordHash: text('password_hash').notNull(),
  /** An instance admin may create workspaces and users. */
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
  language: text('language').notNull().default('en'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

/** A user's role in a workspace: owner, member or viewer. */
export const memberships = sqliteTable(
  'memberships',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    workspaceId: workspaceId(),
    role: text('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.workspaceId] }), index('memberships_workspace_idx').on(t.workspaceId)],
)

/** Dashboard sessions. The cookie holds a secret whose SHA-256 is `token_hash`; `id` is public. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

/** One-time links that add a member to a workspace; only the token's SHA-256 is stored. */
export const invites = sqliteTable(
  'invites',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    tokenHash: text('token_hash').notNull().unique(),
    role: text('role').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    usedBy: text('used_by'),
  },
  (t) => [index('invites_workspace_idx').on(t.workspaceId)],
)

/**
 * Where a workspace's events are pushed (src/webhooks). `secret` signs every delivery; after a
 * rotation `previousSecret` signs too, until `previousSecretExpiresAt`. `failingSince`: the first
 * failed attempt since the last success, null while deliveries succeed.
 */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    url: text('url').notNull(),
    /** JSON array of event types. */
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    description: text('description'),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: integer('previous_secret_expires_at', { mode: 'timestamp_ms' }),
    failingSince: integer('failing_since', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_workspace_created_idx').on(t.workspaceId, t.createdAt)],
)

/**
 * The outbox: one message for one webhook, written in the transaction of the change it tells of,
 * then sent (and retried) by the delivery worker. `id` is the message's webhook-id; `body` is sent
 * as it is, byte for byte, on every attempt. No foreign keys: the click writer adds rows here in its
 * group commit, and a webhook's deletion removes its deliveries itself.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    webhookId: text('webhook_id').notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    /** pending, succeeded or failed. */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When a pending delivery is due; while an attempt is under way, when its claim lapses. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('webhook_deliveries_webhook_created_idx').on(t.webhookId, t.createdAt),
    index('webhook_deliveries_workspace_created_idx').on(t.workspaceId, t.createdAt),
  ],
)

/** One attempt to send a delivery: what the receiver answered (the first 1 KB), or why nothing was sent. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    deliveryId: text('delivery_id').notNull(),
    createdAt: integer('created_at').notNull(),
    /** The HTTP status, null when no answer came (refused address, timeout, connection error). */
    status: integer('status'),
    durationMs: integer('duration_ms').notNull(),
    response: text('response'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.createdAt)],
)
