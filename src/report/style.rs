//! The HTML reports' shared stylesheet and escaping: the analysis
//! report and the comparison page look alike and escape alike (the
//! escaping the leak check knows, so it finds a secret in its escaped
//! form).

/// The stylesheet every HTML report inlines.
pub const CSS: &str = r#"
:root{--ok:#4c9a5b;--c4:#d9a227;--c5:#c8453b;--oth:#7a5ea8;--ink:#1d232a;--mute:#5d6873;--line:#d8dee4;--bg:#fff;--card:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);margin:0}
main{max-width:1180px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}.mute{color:var(--mute)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 14px;margin:10px 0;break-inside:avoid}
.root{border-left:5px solid var(--c5)}.sev{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;color:#fff;background:var(--mute)}
.sev.high,.sev.critical{background:var(--c5)}.sev.medium{background:var(--c4)}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--card);position:sticky;top:0}th.sort{cursor:pointer}th.sort:after{content:" \2195";color:var(--mute)}
.num{text-align:right;font-variant-numeric:tabular-nums}svg{width:100%;height:auto;display:block}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.filters{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}.filters input{font:inherit;padding:3px 6px;border:1px solid var(--line);border-radius:4px}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}.scroll{max-height:520px;overflow:auto;border:1px solid var(--line)}
@media print{.filters,.noprint{display:none}.scroll{max-height:none;overflow:visible;border:0}main{max-width:none;padding:0}th{position:static}h2{break-after:avoid}}
"#;

/// HTML-escape text (the escaping the leak check knows, so it finds a
/// secret in this report in its escaped form).
pub fn esc(s: &str) -> String {
    crate::redact::guard::html_escape(s)
}
