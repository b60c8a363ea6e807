import type { Data } from '../db/data'
import type { Reward } from '../partners/model'
import type { Outbox } from '../webhooks/outbox'
import { COMMISSION, commissionView, type CommissionRow, type CommissionView } from './view'

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
export function commissionEarner(outbox: Outbox) {
  async function earn(tx: Data, workspaceId: string, e: Earning, now: number): Promise<CommissionView | null> {
    if (e.partnerId === null) return null
    const partner = await tx.get<{ rewards: string | null }>('SELECT rewards FROM partners WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL', [
      e.partnerId,
      workspaceId,
    ])
    const rewards = partner?.rewards ? (JSON.parse(partner.rewards) as Reward[]) : []
    const reward = rewards.find((r) => r.event === e.event)
    if (!reward) return null
    const [amount, currency] =
      reward.type === 'flat' ? [reward.amount, reward.currency] : [percentOf(e.sale!.amount, reward.amount), e.sale!.currency]
    const row: CommissionRow = {
      id: Bun.randomUUIDv7(),
      workspaceId,
      partnerId: e.partnerId,
      linkId: e.linkId,
      customerId: e.customerId,
      clickId: e.clickId,
      event: e.event,
      eventId: e.eventId,
      amount,
      currency,
      saleAmount: e.sale?.amount ?? null,
      status: 'pending',
      availableAt: now + reward.holdDays * DAY_MS,
      createdAt: now,
      updatedAt: now,
    }
    await tx.run(COMMISSION.insertPositional(), COMMISSION.values(row))
    return commissionView(row)
  }
  const announce = (tx: Data, workspaceId: string, view: CommissionView) => outbox.emit(tx, workspaceId, 'commission.created', () => [view])
  return { earn, announce }
}
export type CommissionEarner = ReturnType<typeof commissionEarner>
