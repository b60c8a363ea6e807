import { Dialog } from '../../components/dialog'
import { fill, pick } from '../../i18n'
import { qrSrc, type Link } from './model'
import { strings } from './strings'

/** The link's QR code (the same image as its qrCode URL), with PNG and SVG downloads. */
export function QrDialog(p: { link: Link | null; onClose: () => void }) {
  const t = pick(strings)
  const link = p.link
  return (
    <Dialog title={link ? fill(t.qrTitle, { link: link.shortId }) : t.qr} open={link !== null} onClose={p.onClose}>
      {link && (
        <div class="qr">
          <img src={qrSrc(link, 'svg')} alt={fill(t.qrAlt, { url: link.shortUrl })} width={256} height={256} />
          <div class="actions">
            <a class="button" href={qrSrc(link, 'png')} download={`${link.shortId}.png`}>
              {t.downloadPng}
            </a>
            <a class="button" href={qrSrc(link, 'svg')} download={`${link.shortId}.svg`}>
              {t.downloadSvg}
            </a>
          </div>
        </div>
      )}
    </Dialog>
  )
}
