"use strict";
// One incident with its whole timeline: every transition, who made it and when.
(function () {
  const $ = (id) => document.getElementById(id);
  const id = $("incident").dataset.incidentId;
  let inc = null;
  let names = G.portNames(null);

  function render() {
    if (!inc) return;
    const st = (s) => (s ? G.t("istatus." + s) : "—");
    const rows = [
      ["inc.kind", G.t("ikind." + (inc.kind || "other"))],
      ["inc.status", st(inc.status)],
      ["inc.priority", "P" + (inc.priority || "?")],
      ["inc.zone", inc.zone ? names.zone(inc.zone) : "—"],
      ["inc.created", G.fmtTime(inc.created)],
      ["inc.title_label", G.text(inc.title_text, inc.title, names) || "—"],
      ["inc.priority_reason", G.text(inc.priority_reason_text, inc.priority_reason, names) || "—"],
      ["inc.dispatched_units", (inc.dispatched_units || []).join(", ") || "—"],
      ["inc.disposition", inc.disposition ? G.t("disp." + inc.disposition) : "—"],
      ["inc.feedback", inc.feedback || "—"],
    ];
    const units = (list) => (Array.isArray(list) ? list : []).map((r) => r.unit_id + ": " + G.text(r.reason_text, r.reason, names)).join("\n") || "—";
    rows.push(["inc.recommended", units(inc.recommendations)], ["inc.excluded", units(inc.excluded)]);
    $("inc-summary").innerHTML = rows.map(([k, v]) => "<div><dt>" + G.esc(G.t(k)) + "</dt><dd>" + G.esc(v).split("\n").join("<br>") + "</dd></div>").join("");
    const tr = inc.transitions || inc.timeline || [];
    $("timeline").tBodies[0].innerHTML = tr.map((t) => "<tr><td><time datetime=\"" + G.esc(t.at || t.time) + "\">" + G.esc(G.fmtTime(t.at || t.time)) + "</time></td><td>" + G.esc(st(t.from)) + "</td><td>" + G.esc(st(t.to)) + "</td><td>" + G.esc(t.actor || "") + "</td><td>" + G.esc(t.note || "") + "</td></tr>").join("");
  }

  document.addEventListener("guomen:lang", render);
  (async function start() {
    try {
      const [i, port] = await Promise.all([
        G.api("GET", "/api/v1/incidents/" + encodeURIComponent(id)),
        G.api("GET", "/api/v1/port").catch(() => null),
      ]);
      inc = i;
      names = G.portNames(port);
      render();
    } catch (e) {
      $("inc-error").hidden = false;
      $("inc-error").textContent = G.t(e.status === 404 ? "inc.not_found" : "panel.unavailable", { code: e.status || "?" });
    }
    G.ready();
  })();
})();
