//! A deliberately small template step: the page files are plain HTML with `{{t:KEY}}` for a
//! label, `{{NAME}}` for an escaped value, and `data-i18n="KEY"` on elements whose text is a
//! label (filled here when empty, and switched in the browser without a reload).

use crate::auth::Principal;
use crate::pages::PAGE_ACCESS;
use crate::pages::assets::{LAYOUT_HTML, asset_url};
use crate::pages::i18n::{Lang, t};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Substitutes `{{t:KEY}}` and `{{NAME}}`; `raw_*` names are inserted as they are (only
/// HTML this module built itself).
pub fn render(lang: Lang, text: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let name = after[..j].trim();
        if let Some(key) = name.strip_prefix("t:") {
            out.push_str(&escape(t(lang, key)));
        } else if let Some((_, v)) = vars.iter().find(|(k, _)| *k == name) {
            if name.starts_with("raw_") {
                out.push_str(v);
            } else {
                out.push_str(&escape(v));
            }
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    fill_labels(lang, &out)
}

/// Puts the label into every empty element marked `data-i18n="KEY"`.
fn fill_labels(lang: Lang, html: &str) -> String {
    const MARK: &str = "data-i18n=\"";
    let mut out = String::with_capacity(html.len() + 1024);
    let mut rest = html;
    while let Some(i) = rest.find(MARK) {
        let after = &rest[i + MARK.len()..];
        let Some(q) = after.find('"') else { break };
        let key = &after[..q];
        // The end of this start tag, then whether the element is empty.
        let Some(gt) = after[q..].find('>') else {
            break;
        };
        let tag_end = i + MARK.len() + q + gt + 1;
        out.push_str(&rest[..tag_end]);
        rest = &rest[tag_end..];
        if rest.starts_with("</") {
            out.push_str(&escape(t(lang, key)));
        }
    }
    out.push_str(rest);
    out
}

/// A page without the signed-in frame (the login page).
pub fn bare(lang: Lang, page: &str, body: &str) -> String {
    layout(lang, None, page, "page.login", body, &[], &["login.js"])
}

/// A page inside the signed-in frame: top bar with navigation, user, language and log out.
pub fn page(
    lang: Lang,
    who: &Principal,
    page: &str,
    title_key: &str,
    body: &str,
    vars: &[(&str, String)],
    scripts: &[&str],
) -> String {
    layout(lang, Some(who), page, title_key, body, vars, scripts)
}

fn layout(
    lang: Lang,
    who: Option<&Principal>,
    page: &str,
    title_key: &str,
    body: &str,
    vars: &[(&str, String)],
    scripts: &[&str],
) -> String {
    let mut script_tags = String::new();
    for s in ["i18n.js", "common.js"].iter().chain(scripts) {
        script_tags.push_str(&format!(
            "<script src=\"{}\" defer></script>\n",
            asset_url(s)
        ));
    }
    let mut nav = String::new();
    if let Some(who) = who {
        for (path, key) in [
            ("/command", "nav.command"),
            ("/counter", "nav.counter"),
            ("/duty-log", "nav.duty_log"),
            ("/trains", "nav.trains"),
            ("/stats", "nav.stats"),
        ] {
            let allowed = PAGE_ACCESS
                .iter()
                .any(|(p, roles)| *p == path && roles.contains(&who.role));
            if allowed {
                let current = if page == path.trim_start_matches('/') {
                    " aria-current=\"page\""
                } else {
                    ""
                };
                nav.push_str(&format!(
                    "<a href=\"{path}\"{current} data-i18n=\"{key}\">{}</a>",
                    escape(t(lang, key))
                ));
            }
        }
    }
    let (user, role, role_key) = match who {
        Some(w) => (
            w.name.clone(),
            w.role.as_str().to_owned(),
            format!("role.{}", w.role.as_str()),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    let body = render(lang, body, vars);
    let mut all_vars: Vec<(&str, String)> = vec![
        ("lang", lang.code().to_owned()),
        ("html_lang", lang.html_lang().to_owned()),
        ("page", page.to_owned()),
        ("user", user),
        ("role", role),
        ("role_key", role_key.clone()),
        (
            "role_label",
            if who.is_some() {
                t(lang, &role_key).to_owned()
            } else {
                String::new()
            },
        ),
        ("title", t(lang, title_key).to_owned()),
        ("title_key", title_key.to_owned()),
        ("css", asset_url("app.css")),
        ("raw_scripts", script_tags),
        ("raw_nav", nav),
        ("raw_body", body),
        (
            "signed_in",
            if who.is_some() { "yes" } else { "no" }.to_owned(),
        ),
    ];
    all_vars.extend(vars.iter().cloned());
    render(lang, LAYOUT_HTML, &all_vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_values_and_escaping() {
        let html = render(
            Lang::En,
            "<h1 data-i18n=\"nav.logout\"></h1><p>{{name}}</p><b data-i18n=\"nav.logout\">x</b>{{t:nav.logout}}",
            &[("name", "<script>&".to_owned())],
        );
        assert_eq!(
            html,
            "<h1 data-i18n=\"nav.logout\">Log out</h1><p>&lt;script&gt;&amp;</p><b data-i18n=\"nav.logout\">x</b>Log out"
        );
        let zh = render(Lang::Zh, "<h1 data-i18n=\"nav.logout\"></h1>", &[]);
        assert_eq!(zh, "<h1 data-i18n=\"nav.logout\">退出登录</h1>");
    }
}
