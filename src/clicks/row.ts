import { TableColumns } from '../db/columns'
import { clicks } from '../db/schema'

/** A click as stored: the fields of the `clicks` table in src/db/schema.ts, the one place they are written. */
export type ClickRow = typeof clicks.$inferSelect
export type ClickField = keyof ClickRow

export const CLICK = new TableColumns<ClickField>(clicks)
