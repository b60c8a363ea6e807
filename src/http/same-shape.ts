/** True when A and B are each assignable to the other. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/**
 * A compile-time check, free at run time: `sameShape<View, v.InferOutput<typeof ViewSchema>>()`
 * fails to type-check when the answer a function builds and its documented schema drift apart.
 */
export function sameShape<A, B>(..._: Same<A, B> extends true ? [] : [error: 'the view and its schema differ']) {}
