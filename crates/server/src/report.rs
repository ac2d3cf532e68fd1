//! The annual and monthly reports as a printable page (inline SVG charts) and as CSV
//! tables. Both are rendered from the station's typed report; every text is in Chinese or
//! English.

use std::fmt::Write as _;

use guomen_station::stats::PeriodReport;
use guomen_store::CountRow;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn csv_field(s: &str) -> String {
    // A cell that a spreadsheet would run as a formula is quoted and defused.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Grouped counts as CSV: a `group,count` header and one row per group (their sum is the
/// total: no summary row a spreadsheet would add in twice).
pub fn counts_csv(group_by: &str, rows: &[CountRow]) -> String {
    let mut out = format!("{},count\n", csv_field(group_by));
    for r in rows {
        let _ = writeln!(out, "{},{}", csv_field(&r.key), r.count);
    }
    out
}

/// A case kind or seizure category in the report's language (the code itself when the
/// station no longer knows it).
fn case_kind(code: &str, zh: bool) -> String {
    use guomen_station::cases::CaseKind;
    CaseKind::parse(code)
        .map(|k| pick(k.label(), zh).to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

fn seizure_category(code: &str, zh: bool) -> String {
    use guomen_station::cases::SeizureCategory;
    SeizureCategory::parse(code)
        .map(|k| pick(k.label(), zh).to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

fn decision(code: &str, zh: bool) -> String {
    let (z, e) = match code {
        "clear" => ("放行", "cleared"),
        "refuse" => ("拒绝出入境", "refused"),
        "detain" => ("扣留", "detained"),
        "secondary" => ("二次查验", "secondary inspection"),
        other => return other.to_owned(),
    };
    pick((z, e), zh).to_owned()
}

fn pick<'a>((z, e): (&'a str, &'a str), zh: bool) -> &'a str {
    if zh { z } else { e }
}

struct Words {
    title: &'static str,
    monthly_title: &'static str,
    by_day: &'static str,
    crossings: &'static str,
    entries: &'static str,
    exits: &'static str,
    countries: &'static str,
    share: &'static str,
    rank: &'static str,
    fugitives: &'static str,
    changed: &'static str,
    hits: &'static str,
    cases: &'static str,
    seizures: &'static str,
    trains: &'static str,
    mean_clear: &'static str,
    green: &'static str,
    by_month: &'static str,
    by_nat: &'static str,
    by_decision: &'static str,
    kind: &'static str,
    count: &'static str,
    category: &'static str,
    item: &'static str,
    quantity: &'static str,
    unit: &'static str,
    not_entered: &'static str,
}

const ZH: Words = Words {
    title: "年度工作报告",
    monthly_title: "月度工作报告",
    by_day: "按日",
    crossings: "查验出入境人员（人次）",
    entries: "入境",
    exits: "出境",
    countries: "国家和地区",
    share: "占全区比例",
    rank: "全区排名",
    fugitives: "抓获在逃人员",
    changed: "查获变更身份入境人员",
    hits: "比对命中",
    cases: "查处案件",
    seizures: "查获物品",
    trains: "服务中欧班列（列）",
    mean_clear: "平均通关时间（分钟）",
    green: "绿色通道车辆",
    by_month: "按月",
    by_nat: "按国籍（前十）",
    by_decision: "按处理结果",
    kind: "类别",
    count: "数量",
    category: "类别",
    item: "物品",
    quantity: "数量",
    unit: "单位",
    not_entered: "未录入",
};

const EN: Words = Words {
    title: "Annual report",
    monthly_title: "Monthly report",
    by_day: "By day",
    crossings: "Travellers inspected (person-crossings)",
    entries: "Entries",
    exits: "Exits",
    countries: "Countries and regions",
    share: "Share of the region",
    rank: "Rank in the region",
    fugitives: "Fugitives caught",
    changed: "Refused under a changed identity",
    hits: "Watchlist hits",
    cases: "Cases handled",
    seizures: "Seizures",
    trains: "China–Europe and other trains served",
    mean_clear: "Mean clearance time (minutes)",
    green: "Green-channel vehicles",
    by_month: "By month",
    by_nat: "By nationality (top ten)",
    by_decision: "By decision",
    kind: "Kind",
    count: "Count",
    category: "Category",
    item: "Item",
    quantity: "Quantity",
    unit: "Unit",
    not_entered: "not entered",
};

fn headline(r: &PeriodReport, w: &Words) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (w.crossings, r.crossings.to_string()),
        (w.entries, r.entries.to_string()),
        (w.exits, r.exits.to_string()),
        (w.countries, r.countries.to_string()),
        (
            w.share,
            r.region_share
                .map(|s| format!("{:.1} %", s * 100.0))
                .unwrap_or_else(|| w.not_entered.to_owned()),
        ),
        (
            w.rank,
            r.region_rank
                .map(|k| k.to_string())
                .unwrap_or_else(|| w.not_entered.to_owned()),
        ),
        (w.fugitives, r.fugitives_caught.to_string()),
        (w.changed, r.refused_changed_identity.to_string()),
        (w.hits, r.hits.to_string()),
        (w.cases, r.cases.total.to_string()),
        (w.trains, r.trains.count.to_string()),
        (
            w.mean_clear,
            r.trains
                .mean_clearance_s
                .map(|s| format!("{:.1}", s / 60.0))
                .unwrap_or_else(|| "—".to_owned()),
        ),
        (w.green, r.green_channel_vehicles.to_string()),
    ];
    // The region's totals are yearly: a month has no share or rank to show.
    if r.month.is_some() {
        rows.retain(|(k, _)| *k != w.share && *k != w.rank);
    }
    rows
}

/// The report's title and period: `年度工作报告, 2026` or `Monthly report, 2026-12`.
fn title(r: &PeriodReport, w: &Words) -> (&'static str, String) {
    match r.month {
        Some(m) => (w.monthly_title, format!("{}-{m:02}", r.year)),
        None => (w.title, r.year.to_string()),
    }
}

/// The charts and tables of counts the report has: by day in a month's, by month in a
/// year's; decisions in the report's language.
fn count_tables(r: &PeriodReport, w: &Words, zh: bool) -> Vec<(&'static str, Vec<CountRow>)> {
    let mut out = Vec::new();
    if r.month.is_some() {
        out.push((w.by_day, r.by_day.clone()));
    } else {
        out.push((w.by_month, r.by_month.clone()));
    }
    out.push((w.by_nat, r.top_nationalities.clone()));
    let decisions = r
        .by_decision
        .iter()
        .map(|row| CountRow {
            key: decision(&row.key, zh),
            count: row.count,
        })
        .collect();
    out.push((w.by_decision, decisions));
    out
}

pub fn report_csv(r: &PeriodReport, zh: bool) -> String {
    let w = if zh { &ZH } else { &EN };
    let mut out = String::new();
    let (t, period) = title(r, w);
    let _ = writeln!(out, "{},{}", csv_field(t), period);
    for (k, v) in headline(r, w) {
        let _ = writeln!(out, "{},{}", csv_field(k), csv_field(&v));
    }
    for (title, rows) in count_tables(r, w, zh) {
        let _ = writeln!(out, "\n{}\n{},{}", csv_field(title), w.kind, w.count);
        for row in rows {
            let _ = writeln!(out, "{},{}", csv_field(&row.key), row.count);
        }
    }
    let _ = writeln!(out, "\n{}\n{},{}", csv_field(w.cases), w.kind, w.count);
    for (k, n) in &r.cases.by_kind {
        let _ = writeln!(out, "{},{n}", csv_field(&case_kind(k, zh)));
    }
    let _ = writeln!(
        out,
        "\n{}\n{},{},{},{}",
        csv_field(w.seizures),
        w.category,
        w.item,
        w.quantity,
        w.unit
    );
    for s in &r.seizures {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            csv_field(&seizure_category(&s.category, zh)),
            csv_field(&s.item),
            s.quantity,
            csv_field(&s.unit)
        );
    }
    out
}

/// A horizontal bar chart of `rows`, as inline SVG.
fn bars(rows: &[CountRow]) -> String {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1);
    let h = 22 * rows.len().max(1) + 4;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 640 {h}\" width=\"640\" height=\"{h}\" role=\"img\">"
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 22 * i + 2;
        let w = (r.count as f64 / max as f64 * 440.0).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>\
             <rect x=\"110\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" fill=\"#b23a2f\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 13,
            esc(&r.key),
            116.0 + w,
            y + 13,
            r.count
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn report_html(r: &PeriodReport, zh: bool) -> String {
    let w = if zh { &ZH } else { &EN };
    let (t, period) = title(r, w);
    let mut h = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <title>{} {}</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:760px}}\
         table{{border-collapse:collapse;margin:.5em 0 1.5em}}\
         td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}\
         td.n{{text-align:right}}@media print{{body{{margin:0}}}}</style></head><body>\
         <h1>{} {}</h1><table id=\"headline\">",
        if zh { "zh" } else { "en" },
        period,
        esc(t),
        period,
        esc(t)
    );
    for (k, v) in headline(r, w) {
        let _ = write!(
            h,
            "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
            esc(k),
            esc(&v)
        );
    }
    h.push_str("</table>");
    for (title, rows) in count_tables(r, w, zh) {
        let _ = write!(h, "<h2>{}</h2>{}", esc(title), bars(&rows));
    }
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>",
        esc(w.cases),
        esc(w.kind),
        esc(w.count)
    );
    for (k, n) in &r.cases.by_kind {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
            esc(&case_kind(k, zh))
        );
    }
    let _ = write!(
        h,
        "</table><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(w.seizures),
        esc(w.category),
        esc(w.item),
        esc(w.quantity),
        esc(w.unit)
    );
    for s in &r.seizures {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&seizure_category(&s.category, zh)),
            esc(&s.item),
            s.quantity,
            esc(&s.unit)
        );
    }
    h.push_str("</table></body></html>");
    h
}
