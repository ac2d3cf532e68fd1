"use strict";
// The counter: a keyboard-wedge scanner types the MRZ lines and Enter; the page submits the
// inspection when the lines are complete, shows the result, and Enter confirms the suggested
// decision. A clean traveller takes one scan and one key.
(function () {
  const $ = (id) => document.getElementById(id);
  const KEY = "guomen.counter";
  let port = null;
  let current = null; // the inspection awaiting a final decision
  let busy = false;
  let me = {}; // who is signed in (an auxiliary's refuse or detain waits for an officer)

  function saved() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; }
  }
  function save() {
    const v = { site: $("site").value, lane: $("lane").value, direction: direction() };
    try { localStorage.setItem(KEY, JSON.stringify(v)); } catch (e) { /* private mode */ }
  }
  function direction() {
    return document.querySelector('input[name="direction"]:checked').value;
  }

  function fillSites(sel) {
    const sites = (port.sites || []).filter((s) => (port.lanes || []).some((l) => l.site === s.id));
    $("site").innerHTML = sites.map((s) => "<option value=\"" + G.esc(s.id) + "\">" + G.esc(G.name(s.name, s.id)) + "</option>").join("");
    if (sel && sites.some((s) => s.id === sel)) $("site").value = sel;
  }
  function fillLanes(sel) {
    const lanes = (port.lanes || []).filter((l) => l.site === $("site").value);
    $("lane").innerHTML = lanes.map((l) => "<option value=\"" + G.esc(l.id) + "\">" + G.esc(G.name(l.name, l.id)) + "</option>").join("");
    if (sel && lanes.some((l) => l.id === sel)) $("lane").value = sel;
  }
  function laneDirection() {
    const l = (port.lanes || []).find((x) => x.id === $("lane").value);
    if (l && (l.direction === "entry" || l.direction === "exit")) {
      $("dir-" + l.direction).checked = true;
    }
  }

  // ---------- scanning ----------
  function lines() {
    return $("mrz").value.split(/\r?\n/).map((s) => s.trim().replace(/\s+/g, "")).filter((s) => s.length > 0);
  }
  // TD1 has three lines of 30; TD2/MRV-B two of 36; TD3/MRV-A two of 44.
  function complete(ls) {
    if (!ls.length) return false;
    const n = ls[0].length;
    if (n === 30) return ls.length >= 3;
    if (n === 36 || n === 44) return ls.length >= 2;
    // Damaged lines: submit after two lines anyway and let the server name the problem.
    return ls.length >= 2 && ls[1].length >= 30;
  }

  let lastStatus = null; // re-rendered when the language changes
  function status(key, vars, cls) {
    lastStatus = [key, vars, cls];
    const s = $("scan-status");
    s.textContent = G.t(key, vars);
    s.className = cls || "muted";
  }

  async function submit(ls) {
    busy = true;
    status("ctr.checking");
    const body = { site_id: $("site").value, lane_id: $("lane").value, direction: direction(), mrz: ls };
    // What the traveller declares, for the special channels (this traveller only).
    const visa = $("visa").value.trim();
    if (visa) body.visa_type = visa;
    if ($("purpose").value) body.purpose = $("purpose").value;
    try {
      const r = await G.api("POST", "/api/v1/inspections", body);
      current = r;
      show(r);
      $("mrz").value = "";
      $("visa").value = "";
      $("purpose").value = "";
      if (r.crossing_id) {
        status("ctr.final", { decision: G.t("decision." + r.decision) }, "ok");
        current = null;
        loadRecent();
      } else status("ctr.awaiting", { decision: G.t("decision." + r.decision) });
    } catch (e) {
      current = null;
      const d = e.body && e.body.error && e.body.error.details;
      let where = "";
      if (d && typeof d === "object") {
        const errs = Array.isArray(d) ? d : d.errors || [d];
        where = errs.map((x) => [x.line !== undefined ? G.t("ctr.line") + " " + x.line : "", x.position !== undefined ? G.t("ctr.position") + " " + x.position : "", x.field || "", x.message || ""].filter(Boolean).join(" · ")).join("; ");
      }
      status("ctr.rejected", { msg: G.errorText(e) + (where ? " (" + where + ")" : "") }, "error");
      $("result").hidden = true;
    } finally {
      busy = false;
    }
  }

  async function decide(decision, reason) {
    if (!current || busy) return;
    busy = true;
    const body = { decision };
    if (reason) body.reason = reason;
    try {
      const r = await G.api("POST", "/api/v1/inspections/" + encodeURIComponent(current.id) + "/decision", body);
      $("override").hidden = true;
      if (r && r.status === "awaiting_countersign") {
        // An auxiliary's refuse or detain: not final until an officer countersigns.
        status("ctr.awaiting_countersign", { decision: G.t("decision." + (r.proposed_decision || decision)) });
        current = r;
        show(r);
      } else {
        status("ctr.recorded", { decision: G.t("decision." + ((r && r.decision) || decision)) }, "ok");
        current = null;
        $("result").classList.add("done");
        loadRecent();
      }
    } catch (e) {
      status("ctr.rejected", { msg: G.errorText(e) }, "error");
    } finally {
      busy = false;
      $("mrz").focus();
    }
  }

  async function countersign() {
    if (!current || busy) return;
    busy = true;
    try {
      const r = await G.api("POST", "/api/v1/inspections/" + encodeURIComponent(current.id) + "/countersign");
      status("ctr.countersigned", { decision: G.t("decision." + r.decision) }, "ok");
      current = null;
      show(r);
      $("result").classList.add("done");
      loadRecent();
    } catch (e) {
      status("ctr.rejected", { msg: G.errorText(e) }, "error");
    } finally {
      busy = false;
    }
  }
  $("countersign-btn").addEventListener("click", countersign);

  // ---------- showing a result ----------
  const DOC_FIELDS = ["format", "document_number", "surname", "given_names", "nationality", "issuing_state", "birth_date", "expiry_date", "sex"];

  function verdictHtml(ok) {
    return ok ? "<span class=\"ok\"><span aria-hidden=\"true\">✓</span> " + G.esc(G.t("check.ok")) + "</span>" : "<span class=\"bad\"><span aria-hidden=\"true\">✗</span> " + G.esc(G.t("check.bad")) + "</span>";
  }

  function explainHtml(x) {
    if (x == null) return "";
    if (typeof x === "string" || typeof x === "number") return "<p>" + G.esc(x) + "</p>";
    const rows = [];
    const add = (field, v) => {
      let detail = v;
      if (v && typeof v === "object") {
        const parts = [];
        for (const k of Object.keys(v)) if (v[k] !== undefined) parts.push(k + ": " + (typeof v[k] === "object" ? JSON.stringify(v[k]) : v[k]));
        detail = parts.join(" · ");
      }
      rows.push("<tr><th scope=\"row\">" + G.esc(G.t("field." + field) !== "field." + field ? G.t("field." + field) : field) + "</th><td>" + G.esc(detail) + "</td></tr>");
    };
    if (Array.isArray(x)) x.forEach((e, i) => (e && typeof e === "object" && e.field ? add(e.field, Object.assign({}, e, { field: undefined })) : add(String(i + 1), e)));
    else Object.keys(x).forEach((k) => add(k, x[k]));
    return "<table class=\"grid small explain\"><tbody>" + rows.join("") + "</tbody></table>";
  }

  function show(r) {
    $("result").hidden = false;
    $("result").classList.remove("done");
    const dec = r.decision || "secondary";
    $("decision").className = "decision dec-" + dec;
    $("decision").innerHTML = "<span class=\"dec-label\">" + G.esc(G.t("ctr.suggested")) + "</span> <strong data-decision=\"" + G.esc(dec) + "\">" + G.esc(G.t("decision." + dec)) + "</strong>" + (r.crossing_id ? " <span class=\"muted\">" + G.esc(G.t("ctr.final_short")) + "</span>" : "");
    // Document, hits and reason texts come in `personal`, which only roles that see personal
    // data receive; the others get reason codes only.
    const p = r.personal || {};
    const doc = p.document || {};
    $("doc").tBodies[0].innerHTML = DOC_FIELDS.filter((f) => doc[f] !== undefined && doc[f] !== null).map((f) => "<tr><th scope=\"row\">" + G.esc(G.t("doc." + f)) + "</th><td>" + G.esc(doc[f]) + "</td></tr>").join("");
    const checks = doc.checks || r.checks || {};
    $("checks").innerHTML = Object.keys(checks).map((k) => "<li><span class=\"check-name\">" + G.esc(G.t("check." + k) !== "check." + k ? G.t("check." + k) : k) + "</span> " + verdictHtml(!!checks[k]) + "</li>").join("");
    const reasons = Array.isArray(p.reasons) ? p.reasons : (Array.isArray(r.reason_codes) ? r.reason_codes : []);
    $("reasons").innerHTML = reasons.map((x) => "<li>" + G.esc(typeof x === "string" ? x : x.message || x.code || JSON.stringify(x)) + "</li>").join("");
    const hits = Array.isArray(p.hits) ? p.hits : [];
    $("no-hits").hidden = hits.length > 0;
    $("hits").innerHTML = hits.map((h) => "<article class=\"hit list-" + G.esc(h.list) + "\"><h4><span aria-hidden=\"true\">⚠</span> " + G.esc(G.t("list." + h.list) !== "list." + h.list ? G.t("list." + h.list) : h.list) + " · " + G.esc(h.entry_id) + " · " + G.esc(G.t("ctr.score")) + " " + G.esc(typeof h.score === "number" ? h.score.toFixed(2) : h.score) + "</h4>" + (h.name ? "<p>" + G.esc(h.name) + "</p>" : "") + (h.action ? "<p><strong>" + G.esc(G.t("ctr.action")) + ":</strong> " + G.esc(h.action) + "</p>" : "") + explainHtml(h.explain) + "</article>").join("");
    $("ov-decision").value = dec === "clear" ? "secondary" : "clear";
    // Where the traveller belongs, if not at this lane.
    const a = r.channel_advice;
    $("channel-advice").hidden = !a;
    $("channel-advice-text").textContent = a ? G.text(a.reason, a.channel + " · " + a.lane_id) : "";
    // An auxiliary's refuse or detain waiting for an officer, or countersigned.
    const waiting = r.status === "awaiting_countersign";
    const signed = r.personal && r.personal.countersigned_by;
    $("countersign").hidden = !waiting && !signed;
    $("countersign-text").textContent = waiting
      ? G.t("ctr.awaiting_countersign", { decision: G.t("decision." + (r.proposed_decision || dec)) })
      : (signed ? G.t("ctr.countersigned", { decision: G.t("decision." + dec) }) : "");
    $("countersign-btn").hidden = !waiting || me.grade === "auxiliary" || me.grade === "nco";
  }

  // ---------- recent crossings ----------
  async function loadRecent() {
    const lane = $("lane").value;
    try {
      // The API lists oldest first: ask for this shift's crossings at the lane (a counter
      // clears far fewer than 1,000 in 12 hours) and show the newest 20, newest on top.
      const since = new Date(Date.now() - 12 * 3600 * 1000).toISOString();
      const r = await G.api("GET", "/api/v1/crossings?lane=" + encodeURIComponent(lane) + "&from=" + encodeURIComponent(since) + "&limit=1000");
      const items = Array.isArray(r) ? r : (r && (r.crossings || r.items)) || [];
      $("recent-error").hidden = true;
      $("recent").tBodies[0].innerHTML = items.slice(-20).reverse().map((c) => {
        const d = c.document || (c.detail && c.detail.document) || {};
        const who = [c.surname || d.surname, c.given_names || d.given_names].filter(Boolean).join(", ") || c.document_number || d.document_number || "—";
        return "<tr data-crossing=\"" + G.esc(c.id) + "\"><td>" + G.esc(G.fmtTime(c.time)) + "</td><td>" + G.esc(who) + "</td><td>" + G.esc(c.nationality || d.nationality || "") + "</td><td>" + G.esc(G.t("dir." + (c.direction || "entry"))) + "</td><td>" + G.esc(G.t("decision." + (c.decision || "clear"))) + "</td><td>" + G.esc(c.inspector || c.actor || c.by || (c.decided_by || "").replace(/^user:/, "")) + "</td></tr>";
      }).join("");
    } catch (e) {
      $("recent-error").hidden = false;
      $("recent-error").textContent = G.t("panel.unavailable", { code: e.status || "?" });
    }
  }

  // ---------- keys ----------
  $("mrz").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.shiftKey) return;
    const ls = lines();
    if (!ls.length) {
      // Enter in an empty scan box confirms the suggested decision.
      ev.preventDefault();
      if (current) decide(current.decision);
      return;
    }
    // The scanner's Enter after a line: submit once the document is complete.
    const after = ls.slice();
    if (complete(after) && !busy) {
      ev.preventDefault();
      submit(after);
    }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F2" && current) {
      ev.preventDefault();
      $("override").hidden = false;
      $("ov-decision").focus();
    } else if (ev.key === "Escape") {
      $("mrz").value = "";
      $("override").hidden = true;
      $("mrz").focus();
    }
  });
  $("override").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const reason = $("ov-reason").value.trim();
    if (!reason) { $("ov-reason").focus(); return; }
    decide($("ov-decision").value, reason);
    $("ov-reason").value = "";
  });
  $("site").addEventListener("change", () => { fillLanes(); laneDirection(); save(); loadRecent(); });
  $("lane").addEventListener("change", () => { laneDirection(); save(); loadRecent(); });
  document.querySelectorAll('input[name="direction"]').forEach((r) => r.addEventListener("change", save));
  document.addEventListener("guomen:lang", () => {
    const s = $("site").value, l = $("lane").value;
    fillSites(s); fillLanes(l);
    if (current) show(current);
    if (lastStatus && !(lastStatus[1] && lastStatus[1].decision)) status(lastStatus[0], lastStatus[1], lastStatus[2]);
    else if (lastStatus && current) status(lastStatus[0], { decision: G.t("decision." + (current.proposed_decision || current.decision)) }, lastStatus[2]);
    loadRecent();
  });

  (async function start() {
    try {
      port = await G.api("GET", "/api/v1/port");
      me = (await G.api("GET", "/api/v1/me")) || {};
    } catch (e) {
      status("ctr.rejected", { msg: G.errorText(e) }, "error");
      return;
    }
    const s = saved();
    fillSites(s.site);
    fillLanes(s.lane);
    if (s.direction === "entry" || s.direction === "exit") $("dir-" + s.direction).checked = true;
    else laneDirection();
    save();
    await loadRecent();
    $("mrz").focus();
    G.ready();
  })();
})();
