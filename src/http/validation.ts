import * as v from 'valibot'
import { HokoError } from './errors'

/**
 * Bilingual validation messages. A schema that needs a field-specific message writes
 * `msg('must be an http or https URL', 'يجب أن يكون …')`: valibot keeps the English text and the
 * Arabic is looked up here. Every other issue is described from its type and requirement.
 */
const arabicOf = new Map<string, string>()

export function msg(en: string, ar: string): string {
  arabicOf.set(en, ar)
  return en
}

/**
 * valibot takes `[]` for an empty object (and any array key by key). The same schema, which still
 * documents itself as an object, but runs an array as a value of the wrong type: "must be an object".
 */
export function objectOnly<S extends v.GenericSchema>(schema: S): S {
  // _standardSchema gives the copy its own `~standard.validate`, which Elysia calls on a whole body.
  return v._standardSchema({
    ...schema,
    '~run'(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
      return schema['~run'](Array.isArray(dataset.value) ? { ...dataset, value: NOT_AN_OBJECT } : dataset, config)
    },
  }) as S
}
const NOT_AN_OBJECT = 'an array'

type Issue = v.BaseIssue<unknown>
type Text = { en: string; ar: string }

const TYPE_NAMES: Record<string, Text> = {
  string: { en: 'a string', ar: 'نصًا' },
  number: { en: 'a number', ar: 'رقمًا' },
  boolean: { en: 'true or false', ar: 'قيمة منطقية (true أو false)' },
  array: { en: 'an array', ar: 'مصفوفة' },
  object: { en: 'an object', ar: 'كائنًا' },
  strict_object: { en: 'an object', ar: 'كائنًا' },
  loose_object: { en: 'an object', ar: 'كائنًا' },
  record: { en: 'an object', ar: 'كائنًا' },
  null: { en: 'null', ar: 'null' },
}

const isObjectType = (t: string) => t === 'object' || t === 'strict_object' || t === 'loose_object'

function describe(issue: Issue): Text {
  const ar = arabicOf.get(issue.message)
  if (ar !== undefined) return { en: issue.message, ar }
  const req = (issue as { requirement?: unknown }).requirement
  const isArray = Array.isArray(issue.input)
  switch (issue.type) {
    case 'strict_object':
      if (issue.expected === 'never') return { en: 'is not a known field', ar: 'ليس حقلًا معروفًا' }
      break
    case 'min_length':
      return isArray
        ? { en: `must contain at least ${req} item${req === 1 ? '' : 's'}`, ar: `يجب أن يحتوي على ${req} عنصر على الأقل` }
        : { en: `must be at least ${req} character${req === 1 ? '' : 's'} long`, ar: `يجب ألا يقل طوله عن ${req} حرف` }
    case 'max_length':
      return isArray
        ? { en: `must contain at most ${req} items`, ar: `يجب ألا يحتوي على أكثر من ${req} عنصر` }
        : { en: `must be at most ${req} characters long`, ar: `يجب ألا يزيد طوله عن ${req} حرف` }
    case 'non_empty':
      return { en: 'must not be empty', ar: 'يجب ألا يكون فارغًا' }
    case 'min_value':
      return { en: `must be at least ${req}`, ar: `يجب ألا تقل القيمة عن ${req}` }
    case 'max_value':
      return { en: `must be at most ${req}`, ar: `يجب ألا تزيد القيمة عن ${req}` }
    case 'integer':
    case 'safe_integer':
      return { en: 'must be a whole number', ar: 'يجب أن يكون عددًا صحيحًا' }
    case 'to_number':
      return { en: 'must be a number', ar: 'يجب أن يكون رقمًا' }
    case 'uuid':
      return { en: 'must be a valid UUID', ar: 'يجب أن يكون معرّف UUID صالحًا' }
    case 'email':
      return { en: 'must be a valid email address', ar: 'يجب أن يكون عنوان بريد إلكتروني صالحًا' }
    case 'url':
      return { en: 'must be a valid URL', ar: 'يجب أن يكون رابطًا صالحًا' }
    case 'iso_timestamp':
    case 'iso_date_time':
      return {
        en: 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z',
        ar: 'يجب أن يكون تاريخًا ووقتًا بصيغة ISO 8601 مثل 2026-01-31T12:00:00Z',
      }
    case 'regex':
      return { en: 'has an invalid format', ar: 'تنسيقه غير صالح' }
    case 'picklist':
    case 'enum': {
      const options = String(issue.expected).replace(/^\(|\)$/g, '').replaceAll('"', '').split(' | ').join(', ')
      return { en: `must be one of: ${options}`, ar: `يجب أن يكون إحدى القيم: ${options}` }
    }
  }
  if (issue.kind === 'schema') {
    // An object schema reports a missing key as its own issue with the key in the path.
    if (isObjectType(issue.type) && issue.received === 'undefined' && issue.path?.length)
      return { en: 'is required', ar: 'حقل مطلوب' }
    const name = TYPE_NAMES[issue.type]
    if (name) return { en: `must be ${name.en}`, ar: `يجب أن يكون ${name.ar}` }
  }
  return { en: issue.message, ar: 'قيمة غير صالحة' }
}

/**
 * `links[3].utm.source`: an array body is named after its resource (`root`), an object body's
 * fields stand alone (`eventName`).
 */
export function issuePath(issue: Issue, root: string | undefined): string {
  const first = (issue.path?.[0] as { key?: unknown } | undefined)?.key
  let out = first === undefined || typeof first === 'number' ? (root ?? '') : ''
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/**
 * valibot checks an array against an object schema key by key; what is wrong is that the value is
 * an array at all: report that, at the array's own path.
 */
function arrayForObject(issue: Issue): Issue | null {
  const path = issue.path
  const last = path?.[path.length - 1] as { type?: string; input?: unknown } | undefined
  if (!last || !Array.isArray(last.input) || (last.type !== 'object' && last.type !== 'record')) return null
  return { ...issue, message: 'must be an object', path: path!.slice(0, -1) as Issue['path'] } as Issue
}

export function validationError(issue: Issue, root: string | undefined): HokoError {
  issue = arrayForObject(issue) ?? issue
  const where = issuePath(issue, root) || root || 'body'
  const text = describe(issue)
  return HokoError.validation(`${where}: ${text.en}`, `${where}: ${text.ar}`)
}
