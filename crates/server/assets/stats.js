"use strict";
// The analyst's statistics: crossings over a chosen period grouped by one dimension, as a
// chart and a table, exported as CSV by the same API; and the annual and monthly reports.
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  // Dimensions whose values are the domain's words and get a label; the others (codes,
  // sites, hours, days) are shown as they are.
  const LABELLED = { direction: true, conveyance: true, decision: true, hit: true, lane_kind: true, channel: true };
  let last = null;

  function pad(n) { return String(n).padStart(2, "0"); }
  function isoDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }

  function label(dim, key) {
    if (key === "") return G.t("st.v.empty");
    if (!LABELLED[dim]) return key;
    const k = "st.v." + dim + "." + key;
    const s = G.t(k);
    return s === k ? key : s;
  }

  function query(format) {
    const q = new URLSearchParams({ from: $("st-from").value, to: $("st-to").value, group_by: $("st-group").value });
    if (format) q.set("format", format);
    return "/api/v1/stats/crossings?" + q.toString();
  }

  function chart(groups, dim) {
    const box = $("st-chart");
    box.textContent = "";
    if (!groups.length) return;
    const max = Math.max(1, ...groups.map((g) => g.count));
    const rowH = 20;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 720 " + (rowH * groups.length + 4));
    svg.setAttribute("width", "720");
    svg.setAttribute("height", String(rowH * groups.length + 4));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", "st-total");
    groups.forEach((g, i) => {
      const y = rowH * i + 2;
      const w = Math.max(1, (g.count / max) * 480);
      const name = document.createElementNS(SVG, "text");
      name.setAttribute("x", "0");
      name.setAttribute("y", String(y + 13));
      name.setAttribute("font-size", "12");
      name.textContent = label(dim, g.key);
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", "140");
      bar.setAttribute("y", String(y));
      bar.setAttribute("width", w.toFixed(1));
      bar.setAttribute("height", "15");
      bar.setAttribute("class", "st-bar");
      const n = document.createElementNS(SVG, "text");
      n.setAttribute("x", (146 + w).toFixed(1));
      n.setAttribute("y", String(y + 13));
      n.setAttribute("font-size", "12");
      n.textContent = String(g.count);
      svg.append(name, bar, n);
    });
    box.append(svg);
  }

  function render() {
    if (!last) return;
    const dim = last.group_by;
    $("st-total").textContent = G.t("st.total", { total: last.total, from: last.from, to: last.to });
    $("st-key-head").textContent = G.t("st.dim." + dim);
    const rows = last.groups.map((g) => {
      const share = last.total ? (100 * g.count / last.total).toFixed(1) + " %" : "—";
      return "<tr><td>" + G.esc(label(dim, g.key)) + "</td><td class=\"num\">" + g.count + "</td><td class=\"num\">" + share + "</td></tr>";
    });
    document.querySelector("#st-table tbody").innerHTML = rows.join("");
    $("st-empty").hidden = last.groups.length > 0;
    chart(last.groups, dim);
  }

  function reportLinks() {
    const lang = G.lang;
    const y = $("st-year").value;
    const m = $("st-month").value;
    $("st-annual").href = "/api/v1/reports/annual?" + new URLSearchParams({ year: y, format: "html", lang });
    $("st-annual-csv").href = "/api/v1/reports/annual?" + new URLSearchParams({ year: y, format: "csv", lang });
    $("st-monthly").href = "/api/v1/reports/monthly?" + new URLSearchParams({ month: m, format: "html", lang });
    $("st-monthly-csv").href = "/api/v1/reports/monthly?" + new URLSearchParams({ month: m, format: "csv", lang });
  }

  async function load() {
    $("st-csv").href = query("csv");
    try {
      last = await G.api("GET", query());
      $("st-error").hidden = true;
      render();
    } catch (e) {
      last = null;
      $("st-error").hidden = false;
      $("st-error").textContent = G.errorText(e);
    }
  }

  // The station's today (its clock and time zone), the browser's only if the page lacks it.
  const today = /^\d{4}-\d{2}-\d{2}$/.test($("st-form").dataset.today || "") ? $("st-form").dataset.today : isoDay(new Date());
  $("st-from").value = today.slice(0, 4) + "-01-01";
  $("st-to").value = today;
  $("st-year").value = today.slice(0, 4);
  $("st-month").value = today.slice(0, 7);
  $("st-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  for (const id of ["st-from", "st-to", "st-group"]) $(id).addEventListener("change", () => { $("st-csv").href = query("csv"); });
  for (const id of ["st-year", "st-month"]) $(id).addEventListener("input", reportLinks);
  document.addEventListener("guomen:lang", () => { render(); reportLinks(); });
  reportLinks();
  load().then(() => G.ready());
})();
