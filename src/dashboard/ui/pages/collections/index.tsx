import { CrudPage } from '../../components/crud'
import { pick } from '../../i18n'
import { strings } from './strings'

type Collection = { id: string; name: string; description: string | null; createdAt: string }

export default function CollectionsPage() {
  const t = pick(strings)
  return (
    <CrudPage<Collection>
      resource="/api/collections"
      writeScope="collectionsWrite"
      strings={t}
      fields={[
        { name: 'name', label: t.name, required: true },
        { name: 'description', label: t.description, kind: 'textarea' },
      ]}
      columns={[
        { label: t.name, cell: (c) => <a href={`/app/links?collectionId=${encodeURIComponent(c.id)}`}>{c.name}</a>, class: 'wrap' },
        { label: t.description, cell: (c) => c.description ?? '', class: 'wrap' },
      ]}
    />
  )
}
