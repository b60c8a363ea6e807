/**
 * What a webhook can subscribe to. `webhook.test` is sent only on request, to one webhook.
 * A module of its own, with no import, so that the dashboard's checkboxes read the same list
 * without bundling any server code.
 */
export const EVENT_TYPES = [
  'link.created',
  'link.updated',
  'link.deleted',
  'link.clicked',
  'lead.created',
  'sale.created',
  'partner.created',
  'partner.updated',
  'partner.deleted',
  'commission.created',
  'commission.updated',
] as const
export type EventType = (typeof EVENT_TYPES)[number] | 'webhook.test'
