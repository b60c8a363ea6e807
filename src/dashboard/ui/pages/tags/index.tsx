import { CrudPage } from '../../components/crud'
import { pick } from '../../i18n'
import { strings } from './strings'

type Tag = { id: string; name: string; color: string; createdAt: string }

/** The API's tag colours (src/tags/model.ts TAG_COLORS), in its order. */
export const TAG_COLORS = Object.keys(strings.en.colors)

export function TagChip(p: { name: string; color?: string }) {
  return (
    <span class="tag">
      <span class={`swatch c-${p.color ?? 'gray'}`} aria-hidden="true" />
      {p.name}
    </span>
  )
}

export default function TagsPage() {
  const t = pick(strings)
  return (
    <CrudPage<Tag>
      resource="/api/tags"
      writeScope="tagsWrite"
      strings={t}
      fields={[
        { name: 'name', label: t.name, required: true },
        { name: 'color', label: t.color, kind: 'select', options: TAG_COLORS.map((c) => ({ value: c, label: t.colors[c] ?? c })) },
      ]}
      defaults={{ color: 'blue' }}
      columns={[
        { label: t.name, cell: (x) => <a href={`/app/links?tagId=${encodeURIComponent(x.id)}`}>{x.name}</a>, class: 'wrap' },
        { label: t.color, cell: (x) => <TagChip name={t.colors[x.color] ?? x.color} color={x.color} /> },
      ]}
    />
  )
}
