"use strict";
// The command centre: the port map, live over the SSE stream, and the panels a duty chief
// works in. Every action goes through the API, which enforces roles whatever is drawn here.
(function () {
  const S = {
    port: null,
    map: null,
    units: new Map(),     // id → merged unit (port registry + live status/fix)
    incidents: new Map(), // id → incident
    links: [],
    stats: null,
    kpis: null,
    known: null,          // incident ids seen, to tell new alarms from old
    unavailable: {},      // panel → reason when its API is missing or forbidden
  };
  const $ = (id) => document.getElementById(id);
  const OPEN = ["new", "acknowledged", "dispatched", "en_route", "on_scene"];

  async function optional(path, panel) {
    try {
      return await G.api("GET", path);
    } catch (e) {
      S.unavailable[panel] = e.status || "error";
      return null;
    }
  }

  // ---------- units ----------
  function mergeUnits(live) {
    const slots = new Map();
    for (const u of S.port.units || []) {
      const k = slots.get(u.duty_point) || 0;
      slots.set(u.duty_point, k + 1);
      S.units.set(u.id, { id: u.id, label: u.call_sign || G.name(u.name, u.id), kind: u.kind, duty_point: u.duty_point, terminal_id: u.terminal_id, status: "available", position: null, _slot: k });
    }
    for (const l of live || []) updateUnit(l, false);
  }

  function updateUnit(l, draw) {
    if (!l || !l.id) return;
    const u = S.units.get(l.id) || { id: l.id, label: l.call_sign || l.name || l.id, _slot: 0 };
    for (const k of ["status", "position", "heading", "course", "duty_point", "kind", "terminal_id"]) if (l[k] !== undefined && l[k] !== null) u[k] = l[k];
    if (l.name && !u.label) u.label = G.name(l.name, l.id);
    S.units.set(u.id, u);
    if (draw !== false && S.map) { S.map.setUnit(u); scheduleUnitsTable(); }
  }

  function drawUnits() {
    const now = Date.now();
    S.units.forEach((u) => S.map.setUnit(u, now));
  }

  let unitsTableTimer = null;
  function scheduleUnitsTable() {
    if (unitsTableTimer) return;
    unitsTableTimer = setTimeout(() => { unitsTableTimer = null; renderUnitsTable(); }, 200);
  }

  function renderUnitsTable() {
    const tb = $("units").tBodies[0];
    const now = Date.now();
    const rows = [];
    const list = Array.from(S.units.values()).sort((a, b) => String(a.label).localeCompare(String(b.label)));
    for (const u of list) {
      const st = u.status || "available";
      rows.push("<tr data-unit=\"" + G.esc(u.id) + "\"><td>" + G.esc(u.label) + "</td><td><span class=\"badge st-" + G.esc(st) + "\">" + G.esc(G.t("ustatus." + st)) + "</span></td><td>" + G.esc(u.position ? G.fmtAge(u.position.time, now) : G.t("age.none")) + "</td></tr>");
    }
    tb.innerHTML = rows.join("");
  }

  // ---------- incidents ----------
  function sortedIncidents() {
    return Array.from(S.incidents.values()).sort((a, b) => (a.priority || 9) - (b.priority || 9) || String(a.created || "").localeCompare(String(b.created || "")));
  }

  // Port names for the parameters of server-made text (zones, sites).
  let portNames = null;
  function names() {
    portNames = portNames || G.portNames(S.port);
    return portNames;
  }

  function zoneName(id) {
    if (!id) return "";
    const z = (S.port.zones || []).find((x) => x.id === id);
    return z ? G.name(z.name, id) : id;
  }

  function unitLabel(id) {
    const u = S.units.get(id);
    return u ? u.label : id;
  }

  function fmtEta(s) {
    if (typeof s !== "number") return "—";
    return s < 90 ? G.t("eta.s", { n: Math.round(s) }) : G.t("eta.m", { n: Math.round(s / 60) });
  }

  function incidentHtml(inc) {
    const st = inc.status || "new";
    const p = inc.priority || "?";
    let h = "<li class=\"incident prio-" + G.esc(p) + "\" data-incident=\"" + G.esc(inc.id) + "\" data-status=\"" + G.esc(st) + "\">";
    h += "<div class=\"inc-head\"><span class=\"prio\" title=\"" + G.esc(G.t("inc.priority")) + "\">P" + G.esc(p) + "</span> ";
    h += "<span class=\"kind\">" + G.esc(G.t("ikind." + (inc.kind || "other"))) + "</span> ";
    h += "<span class=\"badge ist-" + G.esc(st) + "\">" + G.esc(G.t("istatus." + st)) + "</span></div>";
    h += "<div class=\"inc-meta\">";
    if (inc.zone) h += "<span>" + G.esc(zoneName(inc.zone)) + "</span> · ";
    h += "<time datetime=\"" + G.esc(inc.created || "") + "\">" + G.esc(G.fmtTime(inc.created)) + "</time>";
    if (inc.title || inc.title_text) h += "<div class=\"inc-title\">" + G.esc(G.text(inc.title_text, inc.title, names())) + "</div>";
    if (inc.priority_reason || inc.priority_reason_text) h += "<div class=\"inc-why muted\">" + G.esc(G.text(inc.priority_reason_text, inc.priority_reason, names())) + "</div>";
    if (inc.dispatched_units && inc.dispatched_units.length) h += "<div>" + G.esc(G.t("inc.dispatched_units")) + ": " + inc.dispatched_units.map((u) => G.esc(unitLabel(u))).join(", ") + "</div>";
    h += "</div>";
    const recs = Array.isArray(inc.recommendations) ? inc.recommendations : [];
    if (G.can.incidentActions) {
      h += "<div class=\"actions\">";
      if (st === "new") h += "<button type=\"button\" data-action=\"acknowledge\">" + G.esc(G.t("inc.acknowledge")) + "</button>";
      if (OPEN.includes(st) && recs.length) {
        const r = recs[0];
        h += "<button type=\"button\" class=\"primary\" data-action=\"dispatch\" data-unit=\"" + G.esc(r.unit_id) + "\">" + G.esc(G.t("inc.dispatch_unit", { unit: unitLabel(r.unit_id), eta: fmtEta(r.eta_s) })) + "</button>";
      }
      if (["acknowledged", "dispatched", "en_route", "on_scene"].includes(st)) h += "<button type=\"button\" data-action=\"resolve\">" + G.esc(G.t("inc.resolve")) + "</button>";
      if (st === "resolved") h += "<button type=\"button\" data-action=\"close\">" + G.esc(G.t("inc.close")) + "</button>";
      h += "</div>";
    }
    if (recs.length) {
      h += "<div class=\"recs\"><span class=\"muted\">" + G.esc(G.t("inc.recommended")) + ":</span> <strong>" + G.esc(unitLabel(recs[0].unit_id)) + "</strong> · " + G.esc(G.t("inc.eta")) + " " + G.esc(fmtEta(recs[0].eta_s)) + (recs[0].reason || recs[0].reason_text ? " · <span class=\"reason\">" + G.esc(G.text(recs[0].reason_text, recs[0].reason, names())) + "</span>" : "") + "</div>";
      if (recs.length > 1) {
        h += "<details class=\"more-recs\"><summary>" + G.esc(G.t("inc.other_units", { n: recs.length - 1 })) + "</summary><ul>";
        for (const r of recs.slice(1)) {
          h += "<li><span>" + G.esc(unitLabel(r.unit_id)) + " · " + G.esc(fmtEta(r.eta_s)) + (r.reason || r.reason_text ? " · " + G.esc(G.text(r.reason_text, r.reason, names())) : "") + "</span>";
          if (G.can.incidentActions && OPEN.includes(st)) h += " <button type=\"button\" data-action=\"dispatch\" data-unit=\"" + G.esc(r.unit_id) + "\">" + G.esc(G.t("inc.dispatch")) + "</button>";
          h += "</li>";
        }
        h += "</ul></details>";
      }
    }
    h += "<a class=\"detail-link\" href=\"/incidents/" + encodeURIComponent(inc.id) + "\">" + G.esc(G.t("inc.details")) + "</a>";
    h += "</li>";
    return h;
  }

  let incTimer = null;
  function scheduleIncidents() {
    if (incTimer) return;
    incTimer = requestAnimationFrame(() => { incTimer = null; renderIncidents(); });
  }

  function renderIncidents() {
    const list = $("incidents");
    // Keep the keyboard where it was across a re-render.
    const a = document.activeElement;
    const keep = a && a.dataset && a.dataset.action && a.closest("[data-incident]") ? [a.closest("[data-incident]").dataset.incident, a.dataset.action, a.dataset.unit || ""] : null;
    const incs = sortedIncidents();
    list.innerHTML = incs.map(incidentHtml).join("");
    $("inc-count").textContent = String(incs.filter((i) => OPEN.includes(i.status)).length);
    $("inc-empty").hidden = incs.length > 0;
    const err = $("inc-error");
    if (S.unavailable.incidents) {
      err.hidden = false;
      err.textContent = G.t("panel.unavailable", { code: S.unavailable.incidents });
    } else err.hidden = true;
    if (keep) {
      const li = list.querySelector('[data-incident="' + CSS.escape(keep[0]) + '"]');
      const b = li && li.querySelector('[data-action="' + keep[1] + '"]' + (keep[2] ? '[data-unit="' + CSS.escape(keep[2]) + '"]' : ""));
      if (b) b.focus();
    }
    // The map shows every open incident's zone as alarmed, and its track when it has one.
    S.map.clearAlarms();
    for (const inc of incs) {
      if (!OPEN.includes(inc.status)) continue;
      if (inc.zone) S.map.alarmZone(inc.zone, true);
      for (const s of inc.sensors || (inc.sensor_id ? [inc.sensor_id] : [])) S.map.alarmSensor(s, true);
      if (inc.track) S.map.setTrack(inc.id, inc.track);
    }
  }

  function cue(inc) {
    const banner = $("alarm-banner");
    banner.hidden = false;
    banner.textContent = "⚠ " + G.t("alarm.new", { prio: inc.priority, kind: G.t("ikind." + (inc.kind || "other")), zone: zoneName(inc.zone) || "—" });
    banner.classList.remove("flash");
    void banner.offsetWidth;
    banner.classList.add("flash");
    beep();
  }

  let audio = null;
  // A short two-tone alarm made in the browser: no sound file to download.
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const t0 = audio.currentTime;
      for (const [i, f] of [[0, 880], [1, 660], [2, 880]]) {
        const o = audio.createOscillator();
        const g = audio.createGain();
        o.type = "square";
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t0 + i * 0.18);
        g.gain.exponentialRampToValueAtTime(0.2, t0 + i * 0.18 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.18 + 0.16);
        o.connect(g).connect(audio.destination);
        o.start(t0 + i * 0.18);
        o.stop(t0 + i * 0.18 + 0.17);
      }
      window.guomenTest && (window.guomenTest.beeps += 1);
    } catch (e) { /* no audio device: the banner still shows */ }
  }

  function setIncidents(list, isInitial) {
    const fresh = [];
    S.incidents.clear();
    for (const inc of list) {
      S.incidents.set(inc.id, inc);
      if (S.known && !S.known.has(inc.id)) fresh.push(inc);
    }
    S.known = S.known || new Set();
    for (const inc of list) S.known.add(inc.id);
    if (!isInitial) for (const inc of fresh) if ((inc.priority || 9) <= 2) cue(inc);
    scheduleIncidents();
  }

  async function fetchIncidents(isInitial) {
    const open = await optional("/api/v1/incidents?status=open", "incidents");
    if (open === null) { scheduleIncidents(); return; }
    delete S.unavailable.incidents;
    // Resolved incidents still need closing, so they stay on the board until closed.
    const resolved = (await optional("/api/v1/incidents?status=resolved", "resolved")) || [];
    const items = (x) => (Array.isArray(x) ? x : (x && (x.incidents || x.items)) || []);
    setIncidents(items(open).concat(items(resolved)), isInitial);
  }

  async function act(id, action, body) {
    try {
      await G.api("POST", "/api/v1/incidents/" + encodeURIComponent(id) + "/" + action, body);
      G.toast(G.t("inc.done_" + action), "ok");
    } catch (e) {
      G.toast(G.t("inc.failed", { msg: G.errorText(e) }), "error");
    }
    await Promise.all([fetchIncidents(false), fetchUnits()]);
  }

  let resolving = null;
  function openResolve(id) {
    resolving = id;
    $("resolve-error").hidden = true;
    $("feedback").value = "";
    $("resolve-dialog").showModal();
    $("disposition").focus();
  }

  // ---------- lanes: open lanes, their queues and waits, and what to do ----------
  S.lanes = [];
  S.recs = [];
  async function fetchLanes() {
    const l = await optional("/api/v1/lanes/status", "lanes");
    const r = await optional("/api/v1/lanes/recommendations", "recs");
    S.lanes = Array.isArray(l) ? l : [];
    S.recs = Array.isArray(r) ? r : [];
    const c = await optional("/api/v1/supervision/checks", "checks");
    S.checks = Array.isArray(c) ? c : [];
    renderLanes();
  }

  function laneName(id) {
    const l = (S.port.lanes || []).find((x) => x.id === id);
    return l && l.name ? G.name(l.name, id) + " · " + id : id;
  }

  function fmtWait(s) {
    if (s === null || s === undefined) return "–";
    return G.t("lane.minutes", { n: Math.round(s / 60) });
  }

  function renderLanes() {
    const shown = S.lanes.filter((l) => l.open || l.queue > 0);
    $("lanes-empty").hidden = shown.length > 0;
    $("lanes").tBodies[0].innerHTML = shown.map((l) => {
      const late = l.wait_estimate_s !== null && l.wait_estimate_s > l.wait_target_s;
      return "<tr data-lane=\"" + G.esc(l.lane_id) + "\"><td>" + G.esc(laneName(l.lane_id)) + "</td><td>" + G.esc(l.queue) + "</td><td" + (late ? " class=\"late\"" : "") + " title=\"" + G.esc(G.t("lane.method_" + l.method)) + "\">" + G.esc(fmtWait(l.wait_estimate_s)) + "</td><td>" + G.esc((l.staff || []).join(", ")) + "</td><td><span class=\"badge lane-" + (l.open ? "open" : "closed") + "\">" + G.esc(G.t(l.open ? "lane.state_open" : "lane.state_closed")) + "</span></td></tr>";
    }).join("");
    $("lane-recs").innerHTML = S.recs.map((r, i) => {
      const button = r.action === "open" || r.action === "close"
        ? " <button type=\"button\" class=\"primary\" data-rec=\"" + i + "\">" + G.esc(G.t(r.action === "open" ? "lane.do_open" : "lane.do_close")) + "</button>"
        : "";
      return "<li data-rec-lane=\"" + G.esc(r.lane_id) + "\" data-action=\"" + G.esc(r.action) + "\"><strong>" + G.esc(G.t("rec." + r.action)) + "</strong> " + G.esc(laneName(r.lane_id)) + " — " + G.esc(G.t("lane.after", { wait: fmtWait(r.expected_wait_s) })) + button + "<br><span class=\"muted\">" + G.esc(G.text(r.reason_text, r.reason)) + "</span></li>";
    }).join("");
    // The duty supervision desk's checks of the day, newest first.
    const checks = (S.checks || []).slice().reverse();
    $("sup-empty").hidden = checks.length > 0;
    $("sup-checks").innerHTML = checks.map((c) => "<li data-check=\"" + G.esc(c.id) + "\">" + G.esc(G.fmtTime(c.checked_at)) + " · " + G.esc(c.post) + (c.person ? " · " + G.esc(c.person) : "") + " · <strong>" + G.esc(G.t(c.present ? "sup.present" : "sup.absent")) + "</strong>" + ((c.issues || []).length ? " · " + G.esc(G.t("sup.issues")) + ": " + G.esc(c.issues.join(", ")) : "") + (c.remarks ? " · " + G.esc(c.remarks) : "") + " <span class=\"muted\">(" + G.esc(c.checked_by) + ")</span></li>").join("");
    if (S.unavailable.lanes) {
      $("lanes-error").hidden = false;
      $("lanes-error").textContent = G.t("lane.unavailable");
    }
  }

  $("lane-recs").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-rec]");
    if (!b) return;
    const r = S.recs[Number(b.dataset.rec)];
    if (!r) return;
    b.disabled = true;
    try {
      const verb = r.action === "open" ? "open" : "close";
      const body = r.action === "open" ? { reason: r.reason } : undefined;
      await G.api("POST", "/api/v1/lanes/" + encodeURIComponent(r.lane_id) + "/" + verb, body);
      if (r.action === "open" && r.persons && r.persons.length) {
        await G.api("POST", "/api/v1/lanes/" + encodeURIComponent(r.lane_id) + "/staff", { persons: r.persons.slice(0, 1) });
      }
      G.toast(G.t(r.action === "open" ? "lane.opened_ok" : "lane.closed_ok", { lane: r.lane_id }), "ok");
    } catch (e) {
      G.toast(G.errorText(e), "error");
    }
    fetchLanes();
  });

  // ---------- links, stats, kpis ----------
  async function fetchUnits() {
    const live = await optional("/api/v1/units", "units");
    const items = Array.isArray(live) ? live : (live && (live.units || live.items)) || [];
    for (const l of items) updateUnit(l, false);
    drawUnits();
    renderUnitsTable();
  }

  async function fetchLinks() {
    const l = await optional("/api/v1/links", "links");
    S.links = Array.isArray(l) ? l : (l && (l.links || l.items)) || [];
    renderLinks();
  }

  function linkState(l) {
    if (!l) return "unknown";
    if (typeof l.up === "boolean") return l.up ? "up" : "down";
    return l.state || l.status || "unknown";
  }

  function renderLinks() {
    const tb = $("links").tBodies[0];
    // One row per site or duty point, primary and backup side by side.
    const rows = new Map();
    for (const l of S.port.links || []) {
      const r = rows.get(l.of) || { of: l.of };
      r[l.role] = Object.assign({}, l, r[l.role] || {});
      rows.set(l.of, r);
    }
    for (const l of S.links) {
      const of = l.of || l.site || l.duty_point;
      if (!of) continue;
      const r = rows.get(of) || { of };
      const role = l.role || "primary";
      r[role] = Object.assign({}, r[role] || {}, l);
      rows.set(of, r);
    }
    const cell = (l) => {
      const st = S.unavailable.links ? "unknown" : linkState(l);
      const sym = { up: "▲", down: "▼", unknown: "?" }[st] || "?";
      return "<td><span class=\"badge link-" + G.esc(st) + "\"><span aria-hidden=\"true\">" + sym + "</span> " + G.esc(G.t("linkstate." + (["up", "down"].includes(st) ? st : "unknown"))) + "</span></td>";
    };
    const placeName = (id) => {
      const s = (S.port.sites || []).find((x) => x.id === id) || (S.port.duty_points || []).find((x) => x.id === id);
      return s ? G.name(s.name, id) : id;
    };
    tb.innerHTML = Array.from(rows.values()).map((r) => "<tr data-link-of=\"" + G.esc(r.of) + "\"><td>" + G.esc(placeName(r.of)) + "</td>" + cell(r.primary) + cell(r.backup) + "</tr>").join("");
  }

  async function fetchStats() {
    const [stats, kpis] = await Promise.all([optional("/api/v1/stats/today", "stats"), optional("/api/v1/kpis", "kpis")]);
    S.stats = stats;
    S.kpis = kpis;
    renderStats();
  }

  function num(v) { return typeof v === "number" ? v.toLocaleString() : "—"; }

  function renderStats() {
    const st = S.stats || {};
    const pick = (...ks) => { for (const k of ks) { const v = k.split(".").reduce((o, p) => (o == null ? undefined : o[p]), st); if (v !== undefined) return v; } return undefined; };
    const egate = pick("egate_share", "e_gate_share");
    const items = [
      ["stats.entries", num(pick("crossings.entry", "entry", "entries", "crossings_in"))],
      ["stats.exits", num(pick("crossings.exit", "exit", "exits", "crossings_out"))],
      ["stats.egate_share", typeof egate === "number" ? (egate * (egate <= 1 ? 100 : 1)).toFixed(1) + " %" : "—"],
      ["stats.hits", num(pick("hits", "watchlist_hits"))],
    ];
    $("stats").innerHTML = items.map(([k, v]) => "<div><dt>" + G.esc(G.t(k)) + "</dt><dd>" + G.esc(v) + "</dd></div>").join("") +
      (S.unavailable.stats ? "<p class=\"muted\">" + G.esc(G.t("panel.unavailable", { code: S.unavailable.stats })) + "</p>" : "");
    const tb = $("kpis").tBodies[0];
    const k = S.kpis || {};
    const daily = k.daily || k.today || k;
    const measures = ["alarm_to_acknowledged", "acknowledged_to_dispatched", "dispatched_to_on_scene", "alarm_to_resolved"];
    const fmtS = (v) => (typeof v === "number" ? (v < 120 ? v.toFixed(0) + " s" : (v / 60).toFixed(1) + " min") : "—");
    tb.innerHTML = measures.map((m) => {
      const q = daily[m] || {};
      return "<tr><th scope=\"row\">" + G.esc(G.t("kpi." + m)) + "</th><td>" + fmtS(q.p50) + "</td><td>" + fmtS(q.p90) + "</td><td>" + fmtS(q.p95) + "</td></tr>";
    }).join("");
  }

  // ---------- vehicles (road freight) ----------
  const CHANNELS = ["green", "trusted", "standard"];
  async function fetchVehicles() {
    const [waiting, inInsp, kpis] = await Promise.all([
      optional("/api/v1/vehicles?status=waiting", "vehicles"),
      optional("/api/v1/vehicles?status=in_inspection", "vehicles"),
      optional("/api/v1/vehicles/kpis", "vehicles"),
    ]);
    S.vehicles = (Array.isArray(waiting) ? waiting : []).concat(Array.isArray(inInsp) ? inInsp : []);
    S.roadKpis = kpis;
    renderVehicles();
  }

  function renderVehicles() {
    const list = S.vehicles || [];
    const fmtS = (v) => (typeof v === "number" ? (v < 120 ? v.toFixed(0) + " s" : (v / 60).toFixed(0) + " min") : "—");
    const byCh = {};
    for (const c of ((S.roadKpis && S.roadKpis.channels) || [])) byCh[c.channel] = c;
    $("veh-channels").tBodies[0].innerHTML = CHANNELS.map((c) => {
      const k = byCh[c] || {};
      return "<tr data-channel=\"" + c + "\"><th scope=\"row\"><span class=\"badge ch-" + c + "\">" + G.esc(G.t("channel." + c)) + "</span></th><td>" + num(k.waiting) + "</td><td>" + num(k.in_inspection) + "</td><td>" + num(k.released) + "</td><td>" + fmtS(k.p50_s) + "</td><td>" + fmtS(k.p90_s) + "</td></tr>";
    }).join("");
    $("veh-count").textContent = String(list.length);
    $("veh-empty").hidden = list.length > 0;
    $("vehicles").tBodies[0].innerHTML = list.map((v) =>
      "<tr data-vehicle=\"" + G.esc(v.id) + "\"" + (v.overdue ? " class=\"overdue\" title=\"" + G.esc(G.t("veh.overdue")) + "\"" : "") + "><td>" + G.esc(v.plate) + "</td><td><span class=\"badge ch-" + G.esc(v.channel) + "\">" + G.esc(G.t("channel." + v.channel)) + "</span></td><td>" + G.esc(G.t("vstatus." + v.status)) + "</td><td>" + fmtS(v.wait_s) + (v.overdue ? " ⚠" : "") + "</td></tr>").join("");
  }

  // ---------- trains ----------
  async function fetchTrains() {
    const list = await optional("/api/v1/trains", "trains");
    S.trains = Array.isArray(list) ? list : [];
    renderTrains();
  }

  function mmss(s) {
    if (typeof s !== "number") return "—";
    const m = Math.floor(s / 60);
    return m + ":" + String(Math.floor(s % 60)).padStart(2, "0");
  }

  // The timer runs between events: elapsed from the arrival on the page's clock until the
  // train is released; the prediction is the station's (from the verification rate).
  function renderTrains() {
    const list = S.trains || [];
    $("train-count").textContent = String(list.length);
    $("trains-empty").hidden = list.length > 0;
    $("trains").tBodies[0].innerHTML = list.map((t) => {
      const tm = t.timer || {};
      const started = tm.started ? Date.parse(tm.started) : null;
      const elapsed = t.status === "released" ? tm.elapsed_s : (started ? Math.max(0, (Date.now() - started) / 1000) : null);
      const predicted = tm.predicted_finish && started ? (Date.parse(tm.predicted_finish) - started) / 1000 : null;
      const late = t.status !== "released" && ((typeof predicted === "number" && predicted > tm.target_s) || (typeof elapsed === "number" && elapsed > tm.target_s));
      const v = t.verification || {};
      const hits = t.prescreen ? t.prescreen.hit_count : "—";
      const timer = mmss(elapsed) + " / " + mmss(tm.target_s) + (typeof predicted === "number" && t.status !== "released" ? " · " + G.t("tr.predicted", { t: mmss(predicted) }) : "");
      return "<tr data-train=\"" + G.esc(t.id) + "\"" + (late ? " class=\"overdue\" title=\"" + G.esc(G.t("tr.over_target")) + "\"" : "") + "><td>" + G.esc(t.number) + "</td><td>" + G.esc(G.t("tr.status." + t.status)) +
        "</td><td>" + num(t.manifest && t.manifest.persons) + "</td><td>" + (typeof hits === "number" ? num(hits) : hits) + "</td><td>" + num(v.carriages_done) + " / " + num(v.carriages) +
        "</td><td class=\"timer\">" + G.esc(timer) + (late ? " ⚠" : "") + "</td></tr>";
    }).join("");
  }

  // ---------- live stream ----------
  let es = null;
  let lastSeq = null;
  function setLive(state) {
    const l = $("live");
    l.dataset.state = state;
    const t = $("live-text");
    t.dataset.i18n = "live." + state;
    t.textContent = G.t("live." + state);
  }

  let refreshTimers = {};
  function refreshSoon(what, fn) {
    if (refreshTimers[what]) return;
    refreshTimers[what] = setTimeout(() => { refreshTimers[what] = null; fn(); }, 120);
  }

  function onEvent(type, data) {
    let ev;
    try { ev = JSON.parse(data); } catch (e) { return; }
    if (ev && typeof ev.seq === "number") lastSeq = ev.seq;
    // Journal kinds are `ops.alarm_raised`, `clearance.watchlist_hit`, ...: compare on the
    // family form `alarm.raised`, `watchlist.hit`.
    const kind = String((ev && ev.kind) || type || "").replace(/^(ops|clearance)\./, "").replace(/_/g, ".");
    const p = (ev && ev.payload) || ev || {};
    if (kind.startsWith("unit") || kind.includes("position")) {
      const id = p.unit_id || p.id || (p.unit && p.unit.id);
      const src = p.unit || p;
      const u = { id };
      if (src.status) u.status = src.status;
      if (typeof src.lat === "number" && typeof src.lon === "number") u.position = { lat: src.lat, lon: src.lon, time: src.time || ev.time };
      if (src.position) u.position = src.position;
      if (typeof src.heading === "number") u.heading = src.heading;
      if (typeof src.course === "number") u.course = src.course;
      if (id) updateUnit(u, true);
      if (!id || kind.includes("status")) refreshSoon("units", fetchUnits);
    }
    if (kind.startsWith("alarm") || kind.startsWith("sensor") || kind.startsWith("track")) {
      if (p.zone) S.map.alarmZone(p.zone, true);
      if (p.sensor_id) S.map.alarmSensor(p.sensor_id, true);
      if (p.track || p.points) S.map.setTrack(p.track_id || p.id || "t", p.track || p);
      refreshSoon("incidents", () => fetchIncidents(false));
    }
    if (kind.startsWith("incident") || kind.startsWith("notification") || kind.includes("dispatch")) refreshSoon("incidents", () => fetchIncidents(false));
    if (kind.startsWith("link")) refreshSoon("links", fetchLinks);
    if (kind.startsWith("lane") || kind.startsWith("roster") || kind.startsWith("group") || kind.startsWith("crossing") || kind.startsWith("inspection")) refreshSoon("lanes", fetchLanes);
    if (kind.startsWith("crossing") || kind.startsWith("inspection") || kind.includes("hit")) refreshSoon("stats", fetchStats);
    if (kind.startsWith("train")) {
      refreshSoon("trains", fetchTrains);
      // Told once per train, while more teams can still be sent on board.
      if (kind === "train.overrun.predicted" && p.number) {
        G.toast(G.t("tr.overrun_toast", {
          number: p.number,
          pred: Math.round((p.predicted_s || 0) / 60),
          target: Math.round((p.target_s || 0) / 60),
          remaining: p.remaining || 0,
        }), "error");
      }
    }
    if (kind.startsWith("road")) {
      refreshSoon("vehicles", fetchVehicles);
      if (kind.includes("overdue") && p.plate) G.toast(G.t("veh.overdue_toast", { plate: p.plate, min: Math.round((p.waited_s || 0) / 60) }), "error");
    }
  }

  // Named SSE events reach only listeners for their name: listen for every kind this role
  // may receive, as the server lists them from its registry of kinds, and for unnamed
  // messages. Handlers dispatch on the kind each event carries.
  function streamKinds() {
    try {
      const k = JSON.parse($("command").dataset.streamKinds || "[]");
      return Array.isArray(k) ? k.filter((x) => typeof x === "string") : [];
    } catch (e) {
      return [];
    }
  }
  const KINDS = streamKinds();
  function connect() {
    if (!window.EventSource) return;
    const url = "/api/v1/stream" + (lastSeq !== null ? "?last_event_id=" + lastSeq : "");
    es = new EventSource(url, { withCredentials: true });
    es.onopen = () => setLive("live");
    es.onerror = () => setLive(es.readyState === EventSource.CLOSED ? "offline" : "connecting");
    for (const f of ["message"].concat(KINDS)) es.addEventListener(f, (e) => onEvent(f, e.data));
  }

  // ---------- actions ----------
  $("incidents").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action]");
    if (!b) return;
    const id = b.closest("[data-incident]").dataset.incident;
    const a = b.dataset.action;
    if (a === "resolve") return openResolve(id);
    b.disabled = true;
    act(id, a, a === "dispatch" ? { unit_id: b.dataset.unit } : undefined);
  });
  $("resolve-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fb = $("feedback").value.trim();
    if (!fb) {
      $("resolve-error").hidden = false;
      $("resolve-error").textContent = G.t("inc.feedback_required");
      $("feedback").focus();
      return;
    }
    const id = resolving;
    $("resolve-dialog").close();
    await act(id, "resolve", { disposition: $("disposition").value, feedback: fb });
  });
  $("resolve-cancel").addEventListener("click", () => $("resolve-dialog").close());

  document.addEventListener("guomen:lang", () => {
    renderVehicles();
    renderTrains();
    if (!S.map) return;
    S.map.relabel();
    renderIncidents();
    renderUnitsTable();
    renderLinks();
    renderLanes();
    renderStats();
    drawUnits();
  });

  // Ages of fixes keep counting without any event.
  setInterval(() => { if (S.map) { drawUnits(); renderTrains(); } }, 5000);
  // Waits change with time alone (a queue with no new count still drains).
  setInterval(() => { if (S.map) fetchLanes(); }, 30000);

  // ---------- test hooks: load a busy port and measure frame times ----------
  window.guomenTest = {
    beeps: 0,
    state: S,
    renderTrains,
    // A stream event as the server sends it (kind and payload), for events a test cannot
    // make the server produce in its time.
    event: (ev) => onEvent(ev.kind, JSON.stringify(ev)),
    ready: false,
    load(data) {
      for (const u of data.units || []) updateUnit(u, false);
      drawUnits();
      renderUnitsTable();
      if (data.incidents) setIncidents(Array.from(S.incidents.values()).concat(data.incidents), false);
      return { units: S.units.size, incidents: S.incidents.size };
    },
    // Frame intervals over `ms` while `tick` (optional) mutates the state every frame.
    measureFrames(ms, moveUnits) {
      return new Promise((resolve) => {
        const times = [];
        let last = performance.now();
        const start = last;
        const ids = Array.from(S.units.keys());
        let k = 0;
        function frame(now) {
          times.push(now - last);
          last = now;
          if (moveUnits) {
            // Move a tenth of the units each frame, as a busy stream would.
            for (let i = 0; i < Math.ceil(ids.length / 10); i++) {
              const u = S.units.get(ids[(k++) % ids.length]);
              if (u && u.position) { u.position = { lat: u.position.lat + (Math.random() - 0.5) * 1e-4, lon: u.position.lon + (Math.random() - 0.5) * 1e-4, time: new Date().toISOString() }; S.map.setUnit(u); }
            }
          }
          if (now - start < ms) requestAnimationFrame(frame);
          else {
            const s = times.slice(1).sort((a, b) => a - b);
            resolve({ frames: s.length, median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] });
          }
        }
        requestAnimationFrame(frame);
      });
    },
  };

  // ---------- start ----------
  (async function start() {
    try {
      S.port = await G.api("GET", "/api/v1/port");
    } catch (e) {
      $("alarm-banner").hidden = false;
      $("alarm-banner").textContent = G.t("cmd.port_failed", { msg: G.errorText(e) });
      return;
    }
    S.map = new window.PortMap($("map"), S.port, $("map-live"));
    mergeUnits([]);
    drawUnits();
    renderLinks();
    renderStats();
    connect();
    renderVehicles();
    renderTrains();
    await Promise.all([fetchIncidents(true), fetchUnits(), fetchLinks(), fetchStats(), fetchVehicles(), fetchLanes(), fetchTrains()]);
    renderIncidents();
    G.ready();
    window.guomenTest.ready = true;
  })();
})();
