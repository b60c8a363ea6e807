import type { Db } from '../db'
import type { Reward } from '../partners/model'
import type { Outbox } from '../webhooks/outbox'
import { commissionView, type CommissionRow, type CommissionView } from './view'

const DAY_MS = 86_400_000

/** A lead or sale just written, as the commission it may earn needs it. */
export type Earning = {
  event: 'lead' | 'sale'
  eventId: string
  partnerId: string | null
  linkId: string
  customerId: string
  clickId: string
  /** Sales only. */
  sale?: { amount: number; currency: string }
}

/**
 * A percentage of an amount, half-up to the smallest unit: 12.5% of 1999 is 249.875, so 250. The
 * percentage has at most two decimals, so it is a whole number of basis points and the sum is exact
 * in integers (BigInt: an amount may be as large as 2^53).
 */
export function percentOf(amount: number, percent: number): number {
  const basisPoints = BigInt(Math.round(percent * 100))
  return Number((BigInt(amount) * basisPoints + 5_000n) / 10_000n)
}

/**
 * The commission of a lead or sale, written in the conversion's transaction when the click's partner
 * (live) has a reward for that event. Returns it, or null; the caller tells webhooks with `announce`
 * once the conversion's own event is out, so that receivers hear of the sale before its commission.
 */
export function commissionEarner(db: Db, outbox: Outbox) {
  const c = db.$client
  const rewardsOf = c.prepare<{ rewards: string | null }, [string, string]>(
    'SELECT rewards FROM partners WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL',
  )
  const insert = c.prepare(
    `INSERT INTO commissions (id, workspace_id, partner_id, link_id, customer_id, click_id, event, event_id, amount, currency,
       sale_amount, status, available_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  )
  function earn(workspaceId: string, e: Earning, now: number) {
    if (e.partnerId === null) return null
    const partner = rewardsOf.get(e.partnerId, workspaceId)
    const rewards = partner?.rewards ? (JSON.parse(partner.rewards) as Reward[]) : []
    const reward = rewards.find((r) => r.event === e.event)
    if (!reward) return null
    const [amount, currency] =
      reward.type === 'flat' ? [reward.amount, reward.currency] : [percentOf(e.sale!.amount, reward.amount), e.sale!.currency]
    const row: CommissionRow = {
      id: Bun.randomUUIDv7(),
      partner_id: e.partnerId,
      link_id: e.linkId,
      customer_id: e.customerId,
      click_id: e.clickId,
      event: e.event,
      amount,
      currency,
      sale_amount: e.sale?.amount ?? null,
      status: 'pending',
      available_at: now + reward.holdDays * DAY_MS,
      created_at: now,
      updated_at: now,
    }
    insert.run(row.id, workspaceId, row.partner_id, row.link_id, row.customer_id, row.click_id, row.event, e.eventId, amount, currency, row.sale_amount, row.available_at, now, now)
    return commissionView(row)
  }
  const announce = (workspaceId: string, view: CommissionView) => outbox.emit(workspaceId, 'commission.created', () => [view])
  return { earn, announce }
}
export type CommissionEarner = ReturnType<typeof commissionEarner>
