/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF or LF, a field in double
 * quotes when it holds a comma, quote or line break, a quote inside doubled. Written for Hoko's
 * imports and exports: strict (a stray quote is an error for that record, not a guess), with line
 * numbers for every record and error, in one pass without regular expressions over the input.
 */

export type CsvProblem = { en: string; ar: string }
/** A record and the line it starts on (1-based; quoted line breaks move later records down). */
export type CsvRecord = { line: number; fields: string[]; problem?: undefined } | { line: number; fields?: undefined; problem: CsvProblem }

/** Longer fields are refused: no documented link value comes near (a destination is at most 4,096). */
export const MAX_CSV_FIELD = 65_536

const COMMA = 44
const QUOTE = 34
const CR = 13
const LF = 10

const problems = {
  quoteInField: {
    en: 'a double quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")',
    ar: 'علامة تنصيص مزدوجة داخل حقل غير منصّص (ضع الحقل كله بين علامتي تنصيص وكرّر العلامة: "a ""b"" c")',
  },
  afterQuote: {
    en: 'text after the closing quote of a field (a field in quotes must end at the quote)',
    ar: 'نص بعد علامة التنصيص الختامية للحقل (الحقل المنصّص يجب أن ينتهي عند العلامة)',
  },
  unclosed: {
    en: 'a quoted field that starts on this line is never closed; the rest of the file was not read',
    ar: 'حقل منصّص يبدأ في هذا السطر ولا يُغلق أبدًا؛ لم يُقرأ باقي الملف',
  },
  tooLong: {
    en: `a field is longer than ${MAX_CSV_FIELD} characters`,
    ar: `أحد الحقول أطول من ${MAX_CSV_FIELD} حرف`,
  },
} satisfies Record<string, CsvProblem>

/** Every record of `text`, blank lines skipped, a leading byte-order mark ignored. */
export function* parseCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  const n = text.length
  while (i < n) {
    const start = line
    const fields: string[] = []
    let problem: CsvProblem | undefined
    // One record: fields until an unquoted line break or the end.
    for (;;) {
      let value: string
      if (text.charCodeAt(i) === QUOTE) {
        let out = ''
        let from = i + 1
        for (;;) {
          const q = text.indexOf('"', from)
          if (q < 0) {
            yield { line: start, problem: problems.unclosed }
            return
          }
          out += text.slice(from, q)
          if (text.charCodeAt(q + 1) === QUOTE) {
            out += '"'
            from = q + 2
          } else {
            i = q + 1
            break
          }
        }
        line += countLineBreaks(out)
        value = out
        const c = text.charCodeAt(i)
        if (i < n && c !== COMMA && c !== CR && c !== LF) {
          problem ??= problems.afterQuote
          // Skip to the end of the field, then carry on with the record's end.
          while (i < n && text.charCodeAt(i) !== COMMA && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++
        }
      } else {
        const from = i
        while (i < n) {
          const c = text.charCodeAt(i)
          if (c === COMMA || c === LF || c === CR) break
          if (c === QUOTE) problem ??= problems.quoteInField
          i++
        }
        value = text.slice(from, i)
      }
      if (value.length > MAX_CSV_FIELD) problem ??= problems.tooLong
      fields.push(value)
      const c = text.charCodeAt(i)
      if (c === COMMA) {
        i++
        continue
      }
      if (c === CR) i++
      if (text.charCodeAt(i) === LF) i++
      line++
      break
    }
    if (fields.length === 1 && fields[0] === '' && !problem) continue
    yield problem ? { line: start, problem } : { line: start, fields }
  }
}

function countLineBreaks(s: string): number {
  let count = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === LF) count++
    else if (c === CR && s.charCodeAt(i + 1) !== LF) count++
  }
  return count
}

/** A value a spreadsheet would run as a formula: =, +, -, @, a tab or a carriage return first. */
const FORMULA_START = /^[=+\-@\t\r]/
/** Also prefixed: a value already starting with the prefix before such a character, so the prefix reads back exactly. */
const PREFIXED = /^'['=+\-@\t\r]/

/**
 * One CSV field: formula-like values get a leading `'` (OWASP's advice for CSV injection), so that
 * Excel, LibreOffice and Google Sheets show them as text; quoted when needed.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  let s = String(value)
  if (typeof value === 'string' && (FORMULA_START.test(s) || PREFIXED.test(s))) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** The inverse of csvField's prefix, for reading Hoko's own exports back. */
export const unneutralize = (s: string): string => (s.charCodeAt(0) === 39 /* ' */ && /^'['=+\-@\t\r]/.test(s) ? s.slice(1) : s)

export const csvRow = (values: (string | number | boolean | null | undefined)[]): string => `${values.map(csvField).join(',')}\r\n`
