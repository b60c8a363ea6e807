ID="CASE WHEN r.nonce IS NULL THEN (SELECT x.uuid FROM click_legacy_ids x WHERE x.rid = r.rid) ELSE printf('%08x-%04x-7%03x-%s-%s', r.rid >> 26, (r.rid >> 10) & 65535, r.rid & 1023, lower(hex(substr(r.nonce, 1, 2))), lower(hex(substr(r.nonce, 3, 6)))) END"
def sub(table, col, ref): return f"(SELECT {col} FROM {table} WHERE id = r.{ref})"
cols = [
 ("rid","r.rid"),("ws","r.ws"),("link_ref","r.link"),("id",ID),
]+[(c, sub('click_links',c,'link')) for c in ['workspace_id','link_id','short_id','domain','partner_id','external_id','tenant_id']]+[
 ("created_at","r.rid >> 10"),
 ("destination", f"replace({sub('click_texts','value','dest')}, char(1), {ID})"),
 ("referrer", sub('click_referrers','url','referrer')),("referrer_host", sub('click_referrers','host','referrer')),
 ("utm", sub('click_texts','value','utm')),
 ("visitor_id","r.visitor"),("visitor_session_id","r.session"),
]+[(c, sub('click_agents',c,'agent')) for c in ['browser_name','browser_version','os_name','os_version','device_type']]+[
 ("language", sub('click_texts','value','lang')),
]+[(c, sub('click_places',c,'place')) for c in ['country','country_code','city']]+[
 ("qr","r.qr"),("bot","r.bot"),
 ("ip","""CASE
    WHEN typeof(r.ip) <> 'integer' THEN r.ip
    WHEN r.ip < 16777216 THEN (r.ip >> 16) || '.' || ((r.ip >> 8) & 255) || '.' || (r.ip & 255) || '.0'
    ELSE printf('%x:%x:%x::', (r.ip >> 32) & 65535, (r.ip >> 16) & 65535, r.ip & 65535)
  END"""),
]
print("CREATE VIEW clicks AS SELECT\n" + ",\n".join(f"  {e} AS {n}" for n,e in cols) + "\nFROM click_rows r;")
