import { HokoError } from '../http/errors'
import type { AuthContext } from '../keys/service'
import type { Feature } from '../workspaces/plans'
import type { LinkUpsert } from './model'

/** Which plan features the values an item sets need (clearing one never does). */
function featuresUsed(item: LinkUpsert): Feature[] {
  const used: Feature[] = []
  if (item.expiresAt != null || item.expiredUrl != null) used.push('linkExpiration')
  if (item.password != null) used.push('passwordProtection')
  if (item.cloaked === true) used.push('linkCloaking')
  if (item.ios != null || item.android != null) used.push('deviceTargeting')
  if (item.geo != null && Object.keys(item.geo).length > 0) used.push('geoTargeting')
  return used
}

/** Refuses a batch that uses any feature the workspace's plan lacks, naming all of them. */
export function checkFeatures(auth: Pick<AuthContext, 'plan'>, items: LinkUpsert[]) {
  const missing = new Set<Feature>()
  for (const item of items) for (const f of featuresUsed(item)) if (!auth.plan.features.has(f)) missing.add(f)
  if (missing.size > 0) {
    const features = [...missing]
    throw new HokoError('missing_features', { features }, { missingFeatures: features })
  }
}
