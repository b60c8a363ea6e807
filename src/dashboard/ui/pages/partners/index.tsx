import { CrudPage } from '../../components/crud'
import { pick } from '../../i18n'
import { strings } from './strings'

type Partner = { id: string; name: string; email: string | null; phone: string | null; createdAt: string }

export default function PartnersPage() {
  const t = pick(strings)
  return (
    <CrudPage<Partner>
      resource="/api/partners"
      writeScope="partnersWrite"
      strings={t}
      fields={[
        { name: 'name', label: t.name, required: true },
        { name: 'email', label: t.email, kind: 'email' },
        { name: 'phone', label: t.phone, kind: 'tel' },
      ]}
      columns={[
        { label: t.name, cell: (x) => <a href={`/app/partners/${encodeURIComponent(x.id)}`}>{x.name}</a>, class: 'wrap' },
        { label: t.email, cell: (x) => x.email ?? '', class: 'wrap' },
        { label: t.phone, cell: (x) => x.phone ?? '', class: 'nowrap' },
      ]}
    />
  )
}
