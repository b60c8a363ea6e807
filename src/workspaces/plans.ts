/**
 * The built-in plans. A self-hosted instance defaults to `unlimited`; the others let an operator
 * give a workspace a smaller allowance (e.g. a client's workspace on a shared instance).
 */
export const FEATURES = [
  'linkExpiration',
  'passwordProtection',
  'linkCloaking',
  'deviceTargeting',
  'geoTargeting',
] as const
export type Feature = (typeof FEATURES)[number]

export type Plan = {
  /** Requests per minute; null means the instance default (HOKO_RATE_LIMIT). */
  rateLimit: number | null
  /** Most items in one POST, PUT or DELETE body. */
  maxBatch: number
  features: ReadonlySet<Feature>
}

export const PLANS = {
  free: { rateLimit: 60, maxBatch: 100, features: new Set<Feature>() },
  pro: { rateLimit: 600, maxBatch: 1_000, features: new Set<Feature>(['linkExpiration', 'passwordProtection']) },
  business: { rateLimit: 3_000, maxBatch: 10_000, features: new Set<Feature>(FEATURES) },
  unlimited: { rateLimit: null, maxBatch: 10_000, features: new Set<Feature>(FEATURES) },
} satisfies Record<string, Plan>

export type PlanName = keyof typeof PLANS
export const PLAN_NAMES = Object.keys(PLANS) as PlanName[]

export function effectiveRateLimit(plan: string, override: number | null, instanceDefault: number): number {
  return override ?? PLANS[plan as PlanName]?.rateLimit ?? instanceDefault
}
