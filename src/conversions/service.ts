import type * as v from 'valibot'
import type { Earning } from '../commissions/earn'
import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import type { LinkView } from '../links/view'
import { sameShape } from '../http/same-shape'
import { decodeId, packedId } from '../clicks/store'
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

/** Called in the conversion's transaction with the event just written (the partner's commission). */
export type OnConversion = (e: Earning, now: number) => Promise<void>

/** The API view of a link, whatever its state: a conversion may come long after its link was retired (Outbox.linkView). */
export type LinkViewOf = (d: Data, linkId: string) => Promise<LinkView>

/**
 * The click of a click id in this workspace, in one query: a compact id is its rowid, checked against
 * its nonce, any other id a legacy one (the lookup of clicks/store.ts clickRids, on either engine).
 */
async function clickOf(d: Data, workspaceId: string, id: string): Promise<ClickRef> {
  const own = decodeId(id)
  const legacy = packedId(id)
  // A PostgreSQL column holds one type: a legacy id that is no UUID is in uuid_text (db/pg/schema.ts MIXED).
  const column = d.engine === 'pg' && typeof legacy === 'string' ? 'uuid_text' : 'uuid'
  const click = await d.get<ClickRef>(
    `SELECT id, rid, link_id, partner_id FROM clicks WHERE workspace_id = ? AND rid = coalesce(
       (SELECT rid FROM click_rows WHERE rid = ? AND nonce = ?), (SELECT rid FROM click_legacy_ids WHERE ${column} = ?))`,
    [workspaceId, own?.rid ?? null, own?.nonce ?? null, legacy],
  )
  if (!click) throw new HokoError('click_not_found', { clickId: id })
  return click
}

const customerOf = (d: Data, workspaceId: string, externalId: string) =>
  d.get<CustomerRow>('SELECT id, external_id, name, email, phone, avatar FROM customers WHERE workspace_id = ? AND external_id = ?', [
    workspaceId,
    externalId,
  ])

const latestLead = (d: Data, customerId: string, eventName?: string) =>
  d.get<{ id: string; click_id: string }>(
    `SELECT id, click_id FROM leads WHERE customer_id = ? ${eventName === undefined ? '' : 'AND event_name = ?'} ORDER BY created_at DESC, id DESC LIMIT 1`,
    eventName === undefined ? [customerId] : [customerId, eventName],
  )

type CustomerFields = Pick<TrackLead, 'customerExternalId' | 'customerName' | 'customerEmail' | 'customerAvatar'>

/**
 * By (workspace, externalId): name set; email and avatar set, or cleared by null, when sent; phone
 * untouched. One upsert, so that two instances tracking a new customer at once make one customer.
 */
async function upsertCustomer(d: Data, workspaceId: string, f: CustomerFields, now: number): Promise<CustomerRow> {
  return (await d.get<CustomerRow>(
    `INSERT INTO customers (id, workspace_id, external_id, name, email, phone, avatar, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)
     ON CONFLICT (workspace_id, external_id) DO UPDATE SET name = excluded.name,
       email = CASE WHEN ? = 1 THEN excluded.email ELSE customers.email END,
       avatar = CASE WHEN ? = 1 THEN excluded.avatar ELSE customers.avatar END,
       updated_at = excluded.updated_at
     RETURNING id, external_id, name, email, phone, avatar`,
    [
      Bun.randomUUIDv7(),
      workspaceId,
      f.customerExternalId,
      f.customerName,
      f.customerEmail ?? null,
      f.customerAvatar ?? null,
      now,
      now,
      f.customerEmail === undefined ? 0 : 1,
      f.customerAvatar === undefined ? 0 : 1,
    ],
  ))!
}

const customerView = (c: CustomerRow) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  avatar: c.avatar,
  externalId: c.external_id,
})

/**
 * POST /**
 * POST /api/track/lead. Everything is checked before the customer is written; the caller runs this in
 * one transaction `tx`, so a refused lead changes nothing.
 */
export async function trackLead(tx: Data, workspaceId: string, body: TrackLead, linkView: LinkViewOf, onLead?: OnConversion) {
  let click: ClickRef
  if (body.clickId !== '') click = await clickOf(tx, workspaceId, body.clickId)
  else {
    // Deferred tracking: the click of this customer's most recent lead.
    const existing = await customerOf(tx, workspaceId, body.customerExternalId)
    const previous = existing ? await latestLead(tx, existing.id) : undefined
    if (!previous)
      throw new HokoError('no_earlier_lead', { customerExternalId: body.customerExternalId })
    click = await clickOf(tx, workspaceId, previous.click_id)
  }
  const now = Date.now()
  const customer = await upsertCustomer(tx, workspaceId, body, now)
  const metadata = body.metadata ?? null
  const leadId = Bun.randomUUIDv7()
  await tx.run(
    `INSERT INTO leads (id, workspace_id, customer_id, click_id, click_rid, link_id, partner_id, event_name, metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [leadId, workspaceId, customer.id, click.id, click.rid, click.link_id, click.partner_id, body.eventName, metadata === null ? null : JSON.stringify(metadata), now],
  )
  await onLead?.({ event: 'lead', eventId: leadId, partnerId: click.partner_id, linkId: click.link_id, customerId: customer.id, clickId: click.id }, now)
  return {
    click: { id: click.id },
    link: await linkView(tx, click.link_id),
    lead: { eventName: body.eventName, metadata },
    customer: customerView(customer),
  }
}

/**
 * POST /api/track/sale, attributed in the documented order: the customer's lead named
 * `leadEventName`, else `clickId`, else the customer's most recent lead.
 */
export async function trackSale(tx: Data, workspaceId: string, body: TrackSale, linkView: LinkViewOf, onSale?: OnConversion) {
  const existing = await customerOf(tx, workspaceId, body.customerExternalId)
  const named = existing && body.leadEventName ? await latestLead(tx, existing.id, body.leadEventName) : undefined
  let click: ClickRef
  let leadId: string | null = null
  if (named) {
    click = await clickOf(tx, workspaceId, named.click_id)
    leadId = named.id
  } else if (body.clickId) click = await clickOf(tx, workspaceId, body.clickId)
  else {
    const latest = existing ? await latestLead(tx, existing.id) : undefined
    if (!latest)
      throw new HokoError('sale_unattributable', {
        customerExternalId: body.customerExternalId,
        leadEventName: body.leadEventName,
      })
    click = await clickOf(tx, workspaceId, latest.click_id)
    leadId = latest.id
  }
  const now = Date.now()
  const customer = await upsertCustomer(tx, workspaceId, body, now)
  const metadata = body.metadata ?? null
  const saleId = Bun.randomUUIDv7()
  await tx.run(
    `INSERT INTO sales (id, workspace_id, customer_id, click_id, click_rid, link_id, partner_id, lead_id, event_name, amount, currency, metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
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
    ],
  )
  await onSale?.(
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
    link: await linkView(tx, click.link_id),
    customer: customerView(customer),
    sale: { amount: body.amount, currency: body.currency, eventName: body.eventName, metadata },
  }
}

// The answers and their documented schemas (./model) cannot drift apart.
sameShape<Awaited<ReturnType<typeof trackLead>>, v.InferOutput<typeof TrackLeadAnswer>>()
sameShape<Awaited<ReturnType<typeof trackSale>>, v.InferOutput<typeof TrackSaleAnswer>>()
