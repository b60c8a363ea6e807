/** The link object of the API (GET /api/links), as the dashboard reads it. */
export type Link = {
  id: string
  shortId: string
  url: string
  shortUrl: string
  /** The host the link answers on: the base host or one of the workspace's domains. */
  domain: string
  qrCode: string
  title: string | null
  description: string | null
  image: string | null
  utm: Partial<Record<UtmKey, string | null>> | null
  expiresAt: string | null
  expiredUrl: string | null
  password: string | null
  cloaked: boolean | null
  ios: string | null
  android: string | null
  geo: Record<string, string> | null
  collectionId: string
  tagIds: string[]
  externalId: string | null
  tenantId: string | null
  partnerId: string | null
  createdAt: string
  updatedAt: string
}

export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content', 'referral'] as const
export type UtmKey = (typeof UTM_KEYS)[number]

export type Named = { id: string; name: string; color?: string }

/** The QR image of a link from this origin, in either format (the API's qrCode URL names the host it was given). */
export function qrSrc(link: Link, format: 'svg' | 'png'): string {
  const q = new URL(link.qrCode).searchParams
  q.set('format', format)
  return `/qrcode?${q}`
}
