import { TableColumns } from '../db/columns'
import { clicks } from '../db/schema'

/**
 * A click as the API knows it: the fields of the `clicks` view in src/db/schema.ts, the one place they
 * are written. How it is stored is src/clicks/store.ts.
 */
export type ClickRow = typeof clicks.$inferSelect
export type ClickField = keyof ClickRow

export const CLICK = new TableColumns<ClickField>(clicks)
