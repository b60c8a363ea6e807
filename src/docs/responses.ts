import * as v from 'valibot'
import { InviteViewSchema, MeSchema, NewInviteViewList, NewUserViewList, PasswordChangedSchema, SessionViewList, UserListSchema } from '../accounts/model'
import { ClickViewSchema, SummarySchema } from '../analytics/model'
import { CollectionViewList } from '../collections/model'
import { CommissionSummaryList, CommissionViewList } from '../commissions/model'
import { CustomerViewSchema } from '../customers/model'
import { LeadViewSchema, SaleViewSchema, TrackLeadAnswer, TrackSaleAnswer } from '../conversions/model'
import { DomainViewList } from '../domains/model'
import { DeletedIds } from '../http/resource'
import { KeyViewList, NewKeyViewList } from '../keys/model'
import { MemberViewList } from '../members/model'
import { ImportReportSchema, LinkViewList } from '../links/model'
import { PartnerViewList } from '../partners/model'
import { TagViewList } from '../tags/model'
import { DeliveryViewList, WebhookUpsertedList, WebhookViewList, WebhookWithSecretList } from '../webhooks/model'
import { WorkspaceViewSchema } from '../workspaces/model'

/**
 * The success answer of each /api operation, keyed `METHOD /path`: its status, and the valibot schema
 * of its JSON body (next to the feature's request schemas in its model.ts) or its content type.
 * ./openapi turns these into the document; test/openapi.check.ts holds every answer the suites see
 * against the same objects. CSV and NDJSON answers give their content types instead of a schema.
 */
export type Success = { status: 200 | 201 | 204; description: string; schema?: v.GenericSchema; list?: boolean; contentType?: string[] }

const ok = (description: string, schema?: v.GenericSchema, extra: Partial<Success> = {}): Success => ({ status: 200, description, schema, ...extra })
const created = (description: string, schema?: v.GenericSchema): Success => ({ status: 201, description, schema })
const list = (description: string, schema?: v.GenericSchema): Success => ({ status: 200, description, schema, list: true })

export const API_RESPONSES: Record<string, Success> = {
  'GET /api/links': list('A page of links.', LinkViewList),
  'POST /api/links': created('The links created, in request order.', LinkViewList),
  'PUT /api/links': ok('The links updated or created, in request order.', LinkViewList),
  'POST /api/links/import': ok('The import report: created, skipped and rejected rows.', ImportReportSchema),
  'GET /api/links/export': ok('The links as CSV.', undefined, { contentType: ['text/csv'] }),
  'DELETE /api/links': ok('The deleted links.', DeletedIds),
  'GET /api/collections': list('A page of collections.', CollectionViewList),
  'POST /api/collections': created('The collections created.', CollectionViewList),
  'PUT /api/collections': ok('The collections updated or created.', CollectionViewList),
  'DELETE /api/collections': ok('The deleted collections.', DeletedIds),
  'GET /api/tags': list('A page of tags.', TagViewList),
  'POST /api/tags': created('The tags created.', TagViewList),
  'PUT /api/tags': ok('The tags updated or created.', TagViewList),
  'DELETE /api/tags': ok('The deleted tags.', DeletedIds),
  'GET /api/partners': list('A page of partners.', PartnerViewList),
  'POST /api/partners': created('The partners created.', PartnerViewList),
  'PUT /api/partners': ok('The partners updated or created.', PartnerViewList),
  'DELETE /api/partners': ok('The deleted partners.', DeletedIds),
  'GET /api/customers': list('A page of customers.', v.array(CustomerViewSchema)),
  'GET /api/domains': list('The workspace\'s domains.', DomainViewList),
  'POST /api/domains': created('The domains added.', DomainViewList),
  'PUT /api/domains': ok('The domains updated.', DomainViewList),
  'DELETE /api/domains': ok('The deleted domains.', DeletedIds),
  'GET /api/analytics': list('A page of clicks, bots excluded.', v.array(ClickViewSchema)),
  'GET /api/analytics/summary': ok('Totals over the filters, or one row per group with groupBy.', SummarySchema),
  'GET /api/analytics/export': ok('Clicks as CSV or NDJSON, streamed.', undefined, { contentType: ['text/csv', 'application/x-ndjson'] }),
  'POST /api/track/lead': created('The lead recorded, with its click, link and customer.', TrackLeadAnswer),
  'POST /api/track/sale': created('The sale recorded, with its click, link and customer.', TrackSaleAnswer),
  'GET /api/leads': list('A page of leads.', v.array(LeadViewSchema)),
  'GET /api/sales': list('A page of sales.', v.array(SaleViewSchema)),
  'GET /api/me': ok('The signed-in user, their workspaces and CSRF token (nulls for an API key).', MeSchema),
  'PUT /api/me': ok('The updated user, as GET /api/me answers.', MeSchema),
  'POST /api/me/password': ok('The password changed; how many other sessions ended.', PasswordChangedSchema),
  'GET /api/sessions': ok('The user\'s sessions.', SessionViewList),
  'DELETE /api/sessions': ok('The sessions ended.', DeletedIds),
  'GET /api/keys': list('The workspace\'s API keys (without secrets).', KeyViewList),
  'POST /api/keys': created('The keys, each with its secret shown this once.', NewKeyViewList),
  'DELETE /api/keys': ok('The revoked keys.', DeletedIds),
  'GET /api/members': ok('The workspace\'s members.', MemberViewList),
  'PUT /api/members': ok('The members with their new roles.', MemberViewList),
  'DELETE /api/members': ok('The members removed.', DeletedIds),
  'GET /api/invites': ok('Open invitations.', v.array(InviteViewSchema)),
  'POST /api/invites': created('The invitations, each with its link.', NewInviteViewList),
  'DELETE /api/invites': ok('The invitations withdrawn.', DeletedIds),
  'GET /api/workspace': ok('The workspace.', WorkspaceViewSchema),
  'PUT /api/workspace': ok('The updated workspace.', WorkspaceViewSchema),
  'POST /api/admin/workspaces': created('The workspaces created.', v.array(WorkspaceViewSchema)),
  'GET /api/admin/users': ok('Every user and their workspaces.', UserListSchema),
  'POST /api/admin/users': created('The users created, with the workspace role each was given.', NewUserViewList),
  'GET /api/commissions': list('A page of commissions.', CommissionViewList),
  'PUT /api/commissions': ok('The commissions changed, in request order.', CommissionViewList),
  'GET /api/commissions/summary': ok('Totals per group and currency (never added across currencies).', CommissionSummaryList),
  'GET /api/commissions/export': ok('The commissions as CSV, streamed.', undefined, { contentType: ['text/csv'] }),
  'GET /api/webhooks': list('The workspace\'s webhooks.', WebhookViewList),
  'POST /api/webhooks': created('The webhooks created, each with its signing secret.', WebhookWithSecretList),
  'PUT /api/webhooks': ok('The webhooks updated or created; created ones with their signing secret.', WebhookUpsertedList),
  'DELETE /api/webhooks': ok('The deleted webhooks.', DeletedIds),
  'POST /api/webhooks/rotate-secret': ok('The webhooks with their new signing secrets.', WebhookWithSecretList),
  'GET /api/webhooks/deliveries': list('Recent deliveries.', DeliveryViewList),
  'POST /api/webhooks/deliveries/retry': ok('The deliveries queued again.', DeliveryViewList),
  'POST /api/webhooks/test': created('The test deliveries queued.', DeliveryViewList),
}
