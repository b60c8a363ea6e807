import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import type { LinkViewSchema } from './model'
import { baseHostOf, shortOrigin } from '../domains/hosts'
import type { Link } from './row'

/**
 * The link object of every API answer, in the spec's field order; absent values are null. Typed to
 * name every field of Link but workspaceId, so a new column cannot be left out of answers unnoticed.
 */
export function linkView(l: Link, tagIds: string[], baseUrl: string) {
  const origin = shortOrigin(baseUrl, l.domain)
  const shortUrl = `${origin}/${l.shortId}`
  return {
    id: l.id,
    shortId: l.shortId,
    domain: l.domain === '' ? baseHostOf(baseUrl) : l.domain,
    url: l.url,
    shortUrl,
    qrCode:
      `${origin}/qrcode?text=${encodeURIComponent(`${shortUrl}?qr=1`)}` +
      '&size=512&errorCorrection=H&foreground=000000&background=FFFFFF&margin=1&format=svg',
    title: l.title,
    description: l.description,
    image: l.image,
    utm: l.utm,
    expiresAt: l.expiresAt === null ? null : new Date(l.expiresAt).toISOString(),
    expiredUrl: l.expiredUrl,
    password: l.password,
    cloaked: l.cloaked,
    ios: l.ios,
    android: l.android,
    geo: l.geo,
    collectionId: l.collectionId,
    tagIds,
    externalId: l.externalId,
    tenantId: l.tenantId,
    partnerId: l.partnerId,
    createdAt: new Date(l.createdAt).toISOString(),
    updatedAt: new Date(l.updatedAt).toISOString(),
  } satisfies Record<Exclude<keyof Link, 'workspaceId'>, unknown> & Record<string, unknown>
}
export type LinkView = ReturnType<typeof linkView>


// The documented LinkViewSchema (./model) and linkView's answer cannot drift apart.
sameShape<LinkView, v.InferOutput<typeof LinkViewSchema>>()
