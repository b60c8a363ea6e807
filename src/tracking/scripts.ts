/**
 * The browser scripts, hand-minified and dependency-free. Cookie values are checked against the id
 * shape before they are written, so a crafted URL cannot inject cookie attributes.
 */

const COOKIE_TAIL = `;max-age=7776000;path=/;samesite=lax"+(location.protocol=="https:"?";secure":"")`

/** GET /analytics.js: keeps `hoko_id` from the page URL in a first-party cookie for 90 days. */
export const ANALYTICS_JS =
  `(function(){try{var m=/[?&]hoko_id=([A-Za-z0-9_-]{1,64})(?:&|$)/.exec(location.search);` +
  `if(m)document.cookie="hoko_id="+m[1]+"${COOKIE_TAIL}}catch(e){}})();\n`

/**
 * GET /:shortId/analytics.js on a verified page: does what analytics.js does, keeps a visitor id in a
 * first-party cookie (90 days), and sends the signed capture request; the click id it gets back
 * becomes `hoko_id` unless the page URL or an earlier cookie already gave one.
 */
export function embedScript(token: string, captureUrl: string): string {
  return (
    `(function(){var T=${JSON.stringify(token)},U=${JSON.stringify(captureUrl)},K=/^[A-Za-z0-9_-]{1,64}$/;` +
    `function g(n){var m=document.cookie.match(new RegExp("(?:^|; )"+n+"=([^;]*)"));return m&&K.test(m[1])?m[1]:null}` +
    `function s(n,v){document.cookie=n+"="+v+"${COOKIE_TAIL}}` +
    `var m=/[?&]hoko_id=([A-Za-z0-9_-]{1,64})(?:&|$)/.exec(location.search),h=m?m[1]:null;if(h)s("hoko_id",h);` +
    `var v=g("hoko_vsid");if(!v)v=Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)),function(b){return("0"+b.toString(16)).slice(-2)}).join("");` +
    `s("hoko_vsid",v);` +
    `fetch(U,{method:"POST",mode:"cors",credentials:"omit",keepalive:true,headers:{"content-type":"text/plain"},` +
    `body:JSON.stringify({token:T,url:location.href,sessionId:v,referrer:document.referrer})})` +
    `.then(function(r){return r.ok?r.json():null}).then(function(d){if(d&&K.test(d.clickId)&&!h&&!g("hoko_id"))s("hoko_id",d.clickId)})` +
    `.catch(function(){})})();\n`
  )
}

export const NOOP_SCRIPT = '/* hoko: this page is not on the link\'s destination host; no click recorded */\n'
