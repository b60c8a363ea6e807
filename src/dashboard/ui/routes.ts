import type { ComponentType } from 'preact'
import type { Bilingual } from './i18n'
import type { PageProps } from './router'
import AnalyticsPage from './pages/analytics'
import CollectionsPage from './pages/collections'
import CommissionsPage from './pages/commissions'
import CustomerPage from './pages/customers/customer'
import CustomersPage from './pages/customers'
import LinkEditPage from './pages/links/edit'
import LinksPage from './pages/links'
import PartnerPage from './pages/partner'
import PartnerPerformancePage from './pages/partner-performance'
import PartnersPage from './pages/partners'
import ApiKeysPage from './pages/settings-api-keys'
import DomainsPage from './pages/settings-domains'
import MembersPage from './pages/settings-members'
import WebhooksPage from './pages/settings-webhooks'
import WorkspacePage from './pages/settings-workspace'
import TagsPage from './pages/tags'

export type Route = {
  path: string
  page: ComponentType<PageProps>
  /** The document title (and the menu entry when `section` is set). */
  label: Bilingual<string>
  section?: 'main' | 'settings'
  /** The menu entry shows only to roles with this scope (the API refuses the others anyway). */
  scope?: string
}
export type NavEntry = Route & { section: 'main' | 'settings' }

/** Path → page, one line per page, first match wins (put `/x/new` before `/x/:id`). */
export const ROUTES: Route[] = [
  { path: '/app/links', page: LinksPage, label: { en: 'Links', ar: 'الروابط' }, section: 'main', scope: 'linksRead' },
  { path: '/app/links/new', page: LinkEditPage, label: { en: 'New link', ar: 'رابط جديد' }, scope: 'linksWrite' },
  { path: '/app/links/:id', page: LinkEditPage, label: { en: 'Edit link', ar: 'تعديل الرابط' }, scope: 'linksRead' },
  { path: '/app/collections', page: CollectionsPage, label: { en: 'Collections', ar: 'المجموعات' }, section: 'main', scope: 'collectionsRead' },
  { path: '/app/tags', page: TagsPage, label: { en: 'Tags', ar: 'الوسوم' }, section: 'main', scope: 'tagsRead' },
  { path: '/app/partners', page: PartnersPage, label: { en: 'Partners', ar: 'الشركاء' }, section: 'main', scope: 'partnersRead' },
  { path: '/app/analytics', page: AnalyticsPage, label: { en: 'Analytics', ar: 'التحليلات' }, section: 'main', scope: 'analyticsRead' },
  { path: '/app/customers', page: CustomersPage, label: { en: 'Customers', ar: 'العملاء' }, section: 'main', scope: 'customersRead' },
  { path: '/app/customers/:id', page: CustomerPage, label: { en: 'Customer', ar: 'العميل' }, scope: 'customersRead' },
  { path: '/app/partners/performance', page: PartnerPerformancePage, label: { en: 'Partner performance', ar: 'أداء الشركاء' }, section: 'main', scope: 'analyticsRead' },
  { path: '/app/partners/:id', page: PartnerPage, label: { en: 'Partner', ar: 'الشريك' }, scope: 'partnersRead' },
  { path: '/app/commissions', page: CommissionsPage, label: { en: 'Commissions', ar: 'العمولات' }, section: 'main', scope: 'commissionsRead' },
  { path: '/app/settings/api-keys', page: ApiKeysPage, label: { en: 'API Keys', ar: 'مفاتيح API' }, section: 'settings', scope: 'keysRead' },
  { path: '/app/settings/webhooks', page: WebhooksPage, label: { en: 'Webhooks', ar: 'خطافات الويب' }, section: 'settings', scope: 'webhooksRead' },
  { path: '/app/settings/domains', page: DomainsPage, label: { en: 'Domains', ar: 'النطاقات' }, section: 'settings', scope: 'domainsRead' },
  { path: '/app/settings/members', page: MembersPage, label: { en: 'Members', ar: 'الأعضاء' }, section: 'settings', scope: 'membersRead' },
  { path: '/app/settings/workspace', page: WorkspacePage, label: { en: 'Workspace', ar: 'مساحة العمل' }, section: 'settings', scope: 'workspaceRead' },
]

export const NAV = ROUTES.filter((r): r is NavEntry => r.section !== undefined)
