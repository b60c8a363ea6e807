import type * as v from 'valibot'
import type { Earning } from '../commissions/earn'
import type { Db } from '../db'
import { HokoError } from '../http/errors'
import { fromRow, LINK, type LinkRow } from '../links/row'
import { linkView } from '../links/view'
import { sameShape } from '../http/same-shape'
import { clickRids } from '../clicks/store'
import type { TrackLead, TrackLeadAnswer, TrackSale, TrackSaleAnswer } from './model'

type ClickRef = { id: string; rid: number; link_id: string; partner_id: string | null }
type CustomerRow = {
  id: string
  external_id: string
  name: string | null
  email: string | null
  phone: string | null
  avatar: string | null
}

/** Prepared statements of conversion tracking. */
export function conversionStatements(db: Db) {
  const c = db.$client
  return {
    clickRid: clickRids(c),
    click: c.prepare<ClickRef, [number, string]>('SELECT id, rid, link_id, partner_id FROM clicks WHERE rid = ? AND workspace_id = ?'),
    customer: c.prepare<CustomerRow, [string, string]>(
      'SELECT id, external_id, name, email, phone, avatar FROM customers WHERE workspace_id = ? AND external_id = ?',
    ),
    insertCustomer: c.prepare(
      `INSERT INTO customers (id, workspace_id, external_id, name, email, phone, avatar, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
    ),
    updateCustomer: c.prepare('UPDATE customers SET name = ?, email = ?, avatar = ?, updated_at = ? WHERE id = ?'),
    latestLead: c.prepare<{ id: string; click_id: string }, [string]>(
      'SELECT id, click_id FROM leads WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 1',
    ),
    latestLeadNamed: c.prepare<{ id: string; click_id: string }, [string, string]>(
      'SELECT id, click_id FROM leads WHERE customer_id = ? AND event_name = ? ORDER BY created_at DESC, id DESC LIMIT 1',
    ),
    insertLead: c.prepare(
      `INSERT INTO leads (id, workspace_id, customer_id, click_id, click_rid, link_id, partner_id, event_name, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertSale: c.prepare(
      `INSERT INTO sales (id, workspace_id, customer_id, click_id, click_rid, link_id, partner_id, lead_id, event_name, amount, currency, metadata, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Any link, deleted or not: a conversion may come long after its link was retired.
    link: c.prepare<LinkRow, [string]>(`SELECT ${LINK.select()} FROM links WHERE id = ?`),
    tags: c.prepare<{ tag_id: string }, [string]>('SELECT tag_id FROM link_tags WHERE link_id = ? ORDER BY tag_id'),
  }
}
export type ConversionStatements = ReturnType<typeof conversionStatements>
/** Called in the conversion's transaction with the event just written (the partner's commission). */
export type OnConversion = (e: Earning, now: number) => void

function clickOf(st: ConversionStatements, workspaceId: string, id: string): ClickRef {
  const rid = st.clickRid(id)
  const click = rid === null ? null : st.click.get(rid, workspaceId)
  if (!click) throw new HokoError('click_not_found', { clickId: id })
  return click
}

type CustomerFields = Pick<TrackLead, 'customerExternalId' | 'customerName' | 'customerEmail' | 'customerAvatar'>

/** By (workspace, externalId): name set; email and avatar set, or cleared by null, when sent; phone untouched. */
function upsertCustomer(st: ConversionStatements, workspaceId: string, existing: CustomerRow | null, f: CustomerFields, now: number) {
  if (existing) {
    const email = f.customerEmail === undefined ? existing.email : f.customerEmail
    const avatar = f.customerAvatar === undefined ? existing.avatar : f.customerAvatar
    st.updateCustomer.run(f.customerName, email, avatar, now, existing.id)
    return { ...existing, name: f.customerName, email, avatar }
  }
  const row: CustomerRow = {
    id: Bun.randomUUIDv7(),
    external_id: f.customerExternalId,
    name: f.customerName,
    email: f.customerEmail ?? null,
    phone: null,
    avatar: f.customerAvatar ?? null,
  }
  st.insertCustomer.run(row.id, workspaceId, row.external_id, row.name, row.email, row.avatar, now, now)
  return row
}

const customerView = (c: CustomerRow) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  avatar: c.avatar,
  externalId: c.external_id,
})

function linkOf(st: ConversionStatements, linkId: string, baseUrl: string) {
  const link = fromRow(st.link.get(linkId)!)
  return linkView(link, st.tags.all(linkId).map((t) => t.tag_id), baseUrl)
}

/**
 * POST /api/track/lead. Everything is checked before the customer is written; the caller runs this in
 * one transaction, so a refused lead changes nothing.
 */
export function trackLead(st: ConversionStatements, workspaceId: string, body: TrackLead, baseUrl: string, onLead?: OnConversion) {
  const existing = st.customer.get(workspaceId, body.customerExternalId)
  let click: ClickRef
  if (body.clickId !== '') click = clickOf(st, workspaceId, body.clickId)
  else {
    // Deferred tracking: the click of this customer's most recent lead.
    const previous = existing ? st.latestLead.get(existing.id) : null
    if (!previous)
      throw new HokoError('no_earlier_lead', { customerExternalId: body.customerExternalId })
    click = clickOf(st, workspaceId, previous.click_id)
  }
  const now = Date.now()
  const customer = upsertCustomer(st, workspaceId, existing, body, now)
  const metadata = body.metadata ?? null
  const leadId = Bun.randomUUIDv7()
  st.insertLead.run(
    leadId,
    workspaceId,
    customer.id,
    click.id,
    click.rid,
    click.link_id,
    click.partner_id,
    body.eventName,
    metadata === null ? null : JSON.stringify(metadata),
    now,
  )
  onLead?.({ event: 'lead', eventId: leadId, partnerId: click.partner_id, linkId: click.link_id, customerId: customer.id, clickId: click.id }, now)
  return {
    click: { id: click.id },
    link: linkOf(st, click.link_id, baseUrl),
    lead: { eventName: body.eventName, metadata },
    customer: customerView(customer),
  }
}

/**
 * POST /api/track/sale, attributed in the documented order: the customer's lead named
 * `leadEventName`, else `clickId`, else the customer's most recent lead.
 */
export function trackSale(st: ConversionStatements, workspaceId: string, body: TrackSale, baseUrl: string, onSale?: OnConversion) {
  const existing = st.customer.get(workspaceId, body.customerExternalId)
  const named = existing && body.leadEventName ? st.latestLeadNamed.get(existing.id, body.leadEventName) : null
  let click: ClickRef
  let leadId: string | null = null
  if (named) {
    click = clickOf(st, workspaceId, named.click_id)
    leadId = named.id
  } else if (body.clickId) click = clickOf(st, workspaceId, body.clickId)
  else {
    const latest = existing ? st.latestLead.get(existing.id) : null
    if (!latest)
      throw new HokoError('sale_unattributable', {
        customerExternalId: body.customerExternalId,
        leadEventName: body.leadEventName,
      })
    click = clickOf(st, workspaceId, latest.click_id)
    leadId = latest.id
  }
  const now = Date.now()
  const customer = upsertCustomer(st, workspaceId, existing, body, now)
  const metadata = body.metadata ?? null
  const saleId = Bun.randomUUIDv7()
  st.insertSale.run(
    saleId,
    workspaceId,
    customer.id,
    click.id,
    click.rid,
    click.link_id,
    click.partner_id,
    leadId,
    body.eventName,
    body.amount,
    body.currency,
    metadata === null ? null : JSON.stringify(metadata),
    now,
  )
  onSale?.(
    {
      event: 'sale',
      eventId: saleId,
      partnerId: click.partner_id,
      linkId: click.link_id,
      customerId: customer.id,
      clickId: click.id,
      sale: { amount: body.amount, currency: body.currency },
    },
    now,
  )
  return {
    click: { id: click.id },
    link: linkOf(st, click.link_id, baseUrl),
    customer: customerView(customer),
    sale: { amount: body.amount, currency: body.currency, eventName: body.eventName, metadata },
  }
}

// The answers and their documented schemas (./model) cannot drift apart.
sameShape<ReturnType<typeof trackLead>, v.InferOutput<typeof TrackLeadAnswer>>()
sameShape<ReturnType<typeof trackSale>, v.InferOutput<typeof TrackSaleAnswer>>()
