import { useId, useState } from 'preact/hooks'
import { apiRaw } from '../../api'
import { ErrorBox } from '../../components/errors'
import { SelectField } from '../../components/field'
import { TableBox } from '../../components/table'
import { formatCount } from '../../format'
import { fill, message, pick } from '../../i18n'
import type { Named } from './model'
import { strings } from './strings'

type Reason = { en: string; ar: string }
export type ImportReport = {
  format: string
  collectionId: string | null
  rows: number
  created: { line: number; id: string; shortId: string }[]
  skipped: { line: number; shortId: string | null; reason: Reason }[]
  rejected: { line: number; reason: Reason }[]
  tagsCreated: number
}

const FORMATS = ['auto', 'hoko', 'dub', 'bitly', 'shlink']

function Lines(p: { label: string; rows: { line: number; reason: Reason }[] }) {
  const t = pick(strings)
  if (p.rows.length === 0) return null
  return (
    <TableBox label={p.label}>
      <thead>
        <tr>
          <th scope="col" class="num">
            {t.line}
          </th>
          <th scope="col">{t.reason}</th>
        </tr>
      </thead>
      <tbody>
        {p.rows.map((r) => (
          <tr key={r.line}>
            <td class="num">{formatCount(r.line)}</td>
            <td class="wrap">{message(r.reason)}</td>
          </tr>
        ))}
      </tbody>
    </TableBox>
  )
}

/** The links page's CSV upload: the file's bytes to POST /api/links/import, then its report. */
export function ImportLinks(p: { collections: Map<string, Named> | undefined; onImported: () => void }) {
  const t = pick(strings)
  const fileId = useId()
  const [file, setFile] = useState<File | null>(null)
  const [format, setFormat] = useState('auto')
  const [collectionId, setCollectionId] = useState('')
  const [onConflict, setOnConflict] = useState('skip')
  const [fileError, setFileError] = useState<string | undefined>()
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [report, setReport] = useState<ImportReport | null>(null)

  async function submit(e: Event) {
    e.preventDefault()
    setError(null)
    setFileError(undefined)
    if (!file) return setFileError(t.noFile)
    setBusy(true)
    try {
      const q = new URLSearchParams({ format, onConflict })
      if (collectionId) q.set('collectionId', collectionId)
      const r = await apiRaw<ImportReport>(`/api/links/import?${q}`, file, 'text/csv')
      setReport(r)
      p.onImported()
    } catch (err) {
      setReport(null)
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <details class="import">
      <summary>{t.importTitle}</summary>
      <p class="muted">{t.importIntro}</p>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <div class="grid">
          <div class={`field${fileError ? ' invalid' : ''}`}>
            <label for={fileId}>{t.importFile}</label>
            <input
              id={fileId}
              type="file"
              name="file"
              accept=".csv,text/csv"
              aria-invalid={fileError ? true : undefined}
              aria-describedby={fileError ? `${fileId}-error` : undefined}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
            {fileError && (
              <small id={`${fileId}-error`} class="error" role="alert">
                {fileError}
              </small>
            )}
          </div>
          <SelectField
            label={t.importFormat}
            name="format"
            value={format}
            options={FORMATS.map((f) => ({ value: f, label: f === 'auto' ? t.formatAuto : f }))}
            onValue={setFormat}
          />
          <SelectField
            label={t.importCollection}
            name="collectionId"
            value={collectionId}
            empty={t.newCollection}
            options={[...(p.collections?.values() ?? [])].map((c) => ({ value: c.id, label: c.name }))}
            onValue={setCollectionId}
          />
          <SelectField
            label={t.onConflict}
            name="onConflict"
            value={onConflict}
            options={[
              { value: 'skip', label: t.conflictSkip },
              { value: 'fail', label: t.conflictFail },
            ]}
            onValue={setOnConflict}
          />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.importing : t.importAction}
        </button>
      </form>
      {report && (
        <section class="import-report" aria-labelledby="import-report" role="status">
          <h2 id="import-report">{t.reportTitle}</h2>
          <p>
            {fill(t.reportCounts, {
              created: formatCount(report.created.length),
              skipped: formatCount(report.skipped.length),
              rejected: formatCount(report.rejected.length),
              rows: formatCount(report.rows),
              format: report.format,
            })}
          </p>
          {report.rejected.length > 0 && <h3>{t.rejected}</h3>}
          <Lines label={t.rejected} rows={report.rejected} />
          {report.skipped.length > 0 && <h3>{t.skipped}</h3>}
          <Lines label={t.skipped} rows={report.skipped} />
        </section>
      )}
    </details>
  )
}
