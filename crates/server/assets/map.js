"use strict";
// The port map: SVG drawn from the port's own GeoJSON in a local equirectangular projection
// around the port origin (metres east and north; a border post has no internet tiles).
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const M_PER_DEG_LAT = 110574;

  function el(tag, attrs, parent) {
    const n = document.createElementNS(NS, tag);
    if (attrs) for (const k of Object.keys(attrs)) n.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(n);
    return n;
  }

  // Status → a letter and a shape, so status never rests on colour alone.
  const UNIT_LOOK = {
    available: { letter: "A", shape: "circle" },
    dispatched: { letter: "D", shape: "diamond" },
    en_route: { letter: "E", shape: "triangle" },
    on_scene: { letter: "S", shape: "square" },
    cleared: { letter: "C", shape: "circle" },
    out_of_service: { letter: "O", shape: "cross" },
  };

  class PortMap {
    // `live` is a second SVG stacked on the first for what moves (units, tracks), so a moving
    // unit repaints only that layer and not the whole port.
    constructor(svg, port, live) {
      this.svg = svg;
      this.live = live || svg;
      this.port = port;
      const o = (port.origin && port.origin.coordinates) || [0, 0];
      this.lon0 = o[0];
      this.lat0 = o[1];
      this.kx = 111320 * Math.cos((this.lat0 * Math.PI) / 180);
      this.zoneEls = new Map();
      this.sensorEls = new Map();
      this.unitEls = new Map();
      this.trackEls = new Map();
      this.dutyPoints = new Map();
      this.draw();
    }

    xy(c) {
      return [(c[0] - this.lon0) * this.kx, -(c[1] - this.lat0) * M_PER_DEG_LAT];
    }

    lonlat(lon, lat) {
      return this.xy([lon, lat]);
    }

    path(geom) {
      if (!geom) return "";
      const ring = (pts, close) => pts.map((c, i) => (i ? "L" : "M") + this.xy(c).map((v) => v.toFixed(1)).join(",")).join("") + (close ? "Z" : "");
      switch (geom.type) {
        case "Polygon": return geom.coordinates.map((r) => ring(r, true)).join("");
        case "MultiPolygon": return geom.coordinates.map((p) => p.map((r) => ring(r, true)).join("")).join("");
        case "LineString": return ring(geom.coordinates, false);
        case "MultiLineString": return geom.coordinates.map((l) => ring(l, false)).join("");
        default: return "";
      }
    }

    // A representative point of any geometry: the point itself, or the mean of the vertices.
    anchor(geom) {
      if (!geom) return null;
      if (geom.type === "Point") return this.xy(geom.coordinates);
      const pts = [];
      const walk = (a) => { if (typeof a[0] === "number") pts.push(a); else a.forEach(walk); };
      walk(geom.coordinates);
      if (!pts.length) return null;
      const xy = pts.map((c) => this.xy(c));
      return [xy.reduce((s, p) => s + p[0], 0) / xy.length, xy.reduce((s, p) => s + p[1], 0) / xy.length];
    }

    bounds() {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      const add = (c) => { const [x, y] = this.xy(c); x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); };
      const walk = (a) => { if (!a) return; if (typeof a[0] === "number") add(a); else a.forEach(walk); };
      const p = this.port;
      const geoms = [];
      // Frame the port itself (border, restricted area, halls, yards, sensors): an outlying
      // site such as an airport kilometres away would shrink the port to a dot.
      (p.zones || []).filter((z) => z.kind !== "other").forEach((z) => geoms.push(z.geometry));
      (p.boundary_markers || []).forEach((z) => geoms.push(z.geometry));
      (p.sensors || []).forEach((z) => geoms.push(z.position || z.geometry));
      if (p.border_line) geoms.push(p.border_line.geometry);
      geoms.forEach((g) => g && walk(g.coordinates));
      if (!isFinite(x0)) return [-1000, -1000, 2000, 2000];
      const pad = Math.max(x1 - x0, y1 - y0) * 0.04 + 50;
      return [x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad];
    }

    draw() {
      const svg = this.svg;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      const vb = this.bounds();
      svg.setAttribute("viewBox", vb.join(" "));
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      if (this.live !== svg) {
        while (this.live.firstChild) this.live.removeChild(this.live.firstChild);
        this.live.setAttribute("viewBox", vb.join(" "));
        this.live.setAttribute("preserveAspectRatio", "xMidYMid meet");
      }
      // Symbol size in map metres for about 1 px at a 1000 px wide map.
      this.u = Math.max(vb[2], vb[3]) / 1000;
      const u = this.u;
      svg.style.setProperty("--u", u);
      const defs = el("defs", null, svg);
      const hatch = el("pattern", { id: "hatch-alarm", width: 12 * u, height: 12 * u, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
      el("rect", { width: 5 * u, height: 12 * u, class: "hatch" }, hatch);
      const arrow = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, defs);
      el("path", { d: "M0,0L10,5L0,10Z", class: "arrowhead" }, arrow);
      if (this.live !== svg) {
        const ld = el("defs", null, this.live);
        const la = el("marker", { id: "arrow-live", viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, ld);
        el("path", { d: "M0,0L10,5L0,10Z", class: "arrowhead" }, la);
        this.live.style.setProperty("--u", u);
      }
      const arrowRef = this.live !== svg ? "url(#arrow-live)" : "url(#arrow)";
      this.arrowRef = arrowRef;

      this.gZones = el("g", { class: "layer zones" }, svg);
      this.gBorder = el("g", { class: "layer border" }, svg);
      this.gLanes = el("g", { class: "layer lanes" }, svg);
      this.gSites = el("g", { class: "layer sites" }, svg);
      this.gMarkers = el("g", { class: "layer markers" }, svg);
      this.gSensors = el("g", { class: "layer sensors" }, svg);
      this.gCameras = el("g", { class: "layer cameras" }, svg);
      this.gTracks = el("g", { class: "layer tracks" }, this.live);
      this.gUnits = el("g", { class: "layer units" }, this.live);
      const p = this.port;

      // Large zones first so small ones stay clickable on top.
      const zones = (p.zones || []).slice().sort((a, b) => (a.kind === "restricted_area" ? -1 : 0) - (b.kind === "restricted_area" ? -1 : 0));
      for (const z of zones) {
        const g = el("g", { class: "zone kind-" + z.kind, "data-zone": z.id }, this.gZones);
        el("path", { d: this.path(z.geometry), class: "zone-shape" }, g);
        const t = el("title", null, g);
        t.textContent = G.name(z.name, z.id);
        const a = this.anchor(z.geometry);
        if (a) {
          const lbl = el("text", { x: a[0], y: a[1], class: "zone-label", "font-size": 11 * u, "text-anchor": "middle" }, g);
          lbl.textContent = G.name(z.name, z.id);
          const warn = el("text", { x: a[0], y: a[1] + 16 * u, class: "alarm-label", "font-size": 13 * u, "text-anchor": "middle" }, g);
          warn.textContent = "";
        }
        this.zoneEls.set(z.id, g);
      }
      if (p.border_line && p.border_line.geometry) {
        const g = el("g", { class: "border-line", "data-border": p.border_line.id || "border" }, this.gBorder);
        el("path", { d: this.path(p.border_line.geometry), class: "border-shape" }, g);
        const t = el("title", null, g);
        t.textContent = G.name(p.border_line.name, "border");
      }
      for (const l of p.lanes || []) {
        if (!l.geometry) continue;
        if (l.geometry.type === "Point") {
          const [x, y] = this.xy(l.geometry.coordinates);
          el("circle", { cx: x, cy: y, r: 2 * u, class: "lane lane-" + l.kind, "data-lane": l.id }, this.gLanes);
        } else {
          el("path", { d: this.path(l.geometry), class: "lane lane-" + l.kind, "data-lane": l.id }, this.gLanes);
        }
      }
      for (const s of p.sites || []) {
        const a = this.anchor(s.geometry);
        if (!a) continue;
        const lbl = el("text", { x: a[0], y: a[1] - 14 * u, class: "site-label", "font-size": 12 * u, "text-anchor": "middle", "data-site": s.id }, this.gSites);
        lbl.textContent = G.name(s.name, s.id);
      }
      for (const d of p.duty_points || []) {
        const a = this.anchor(d.geometry);
        if (!a) continue;
        this.dutyPoints.set(d.id, a);
        const g = el("g", { class: "duty-point", transform: "translate(" + a[0] + "," + a[1] + ")", "data-duty-point": d.id }, this.gSites);
        el("path", { d: "M" + -5 * u + "," + 4 * u + "V" + -2 * u + "L0," + -7 * u + "L" + 5 * u + "," + -2 * u + "V" + 4 * u + "Z", class: "dp-shape" }, g);
        const t = el("title", null, g);
        t.textContent = G.name(d.name, d.id);
      }
      for (const m of p.boundary_markers || []) {
        if (!m.geometry) continue;
        const [x, y] = this.xy(m.geometry.coordinates);
        const g = el("g", { class: "marker", "data-marker": m.id }, this.gMarkers);
        el("rect", { x: x - 4 * u, y: y - 4 * u, width: 8 * u, height: 8 * u, class: "marker-shape" }, g);
        const t = el("text", { x: x, y: y - 8 * u, class: "marker-label", "font-size": 13 * u, "text-anchor": "middle" }, g);
        t.textContent = String(m.number);
      }
      for (const s of p.sensors || []) {
        const geom = s.position || s.geometry;
        if (!geom) continue;
        let g;
        if (geom.type === "Point") {
          const [x, y] = this.xy(geom.coordinates);
          g = el("g", { class: "sensor kind-" + s.kind + (s.maintenance ? " maintenance" : ""), "data-sensor": s.id }, this.gSensors);
          el("circle", { cx: x, cy: y, r: 9 * u, class: "sensor-ring" }, g);
          el("rect", { x: x - 2.5 * u, y: y - 2.5 * u, width: 5 * u, height: 5 * u, class: "sensor-shape" }, g);
        } else {
          g = el("g", { class: "sensor kind-" + s.kind + (s.maintenance ? " maintenance" : ""), "data-sensor": s.id }, this.gSensors);
          el("path", { d: this.path(geom), class: "sensor-line" }, g);
          const a = this.anchor(geom);
          if (a) el("circle", { cx: a[0], cy: a[1], r: 9 * u, class: "sensor-ring" }, g);
        }
        const t = el("title", null, g);
        t.textContent = s.id + " · " + G.t("sensor." + s.kind) + (s.maintenance ? " · " + G.t("map.maintenance") : "");
        this.sensorEls.set(s.id, g);
      }
      for (const c of p.cameras || []) {
        if (!c.geometry || c.geometry.type !== "Point") continue;
        const [x, y] = this.xy(c.geometry.coordinates);
        const g = el("g", { class: "camera", "data-camera": c.id }, this.gCameras);
        el("path", { d: "M" + (x - 4 * u) + "," + (y + 3 * u) + "L" + x + "," + (y - 4 * u) + "L" + (x + 4 * u) + "," + (y + 3 * u) + "Z", class: "camera-shape" }, g);
        const t = el("title", null, g);
        t.textContent = c.id + " · " + G.t("map.camera");
      }
    }

    relabel() {
      for (const z of this.port.zones || []) {
        const g = this.zoneEls.get(z.id);
        if (!g) continue;
        const lbl = g.querySelector(".zone-label");
        if (lbl) lbl.textContent = G.name(z.name, z.id);
        g.querySelector("title").textContent = G.name(z.name, z.id);
        const w = g.querySelector(".alarm-label");
        if (w && w.textContent) w.textContent = "⚠ " + G.t("map.alarm");
      }
      for (const s of this.port.sites || []) {
        const n = this.gSites.querySelector('[data-site="' + s.id + '"]');
        if (n) n.textContent = G.name(s.name, s.id);
      }
    }

    alarmZone(id, on) {
      const g = this.zoneEls.get(id);
      if (!g) return;
      g.classList.toggle("alarmed", on);
      const w = g.querySelector(".alarm-label");
      if (w) w.textContent = on ? "⚠ " + G.t("map.alarm") : "";
    }

    alarmSensor(id, on) {
      const g = this.sensorEls.get(id);
      if (g) g.classList.toggle("alarmed", on);
    }

    clearAlarms() {
      this.zoneEls.forEach((_, id) => this.alarmZone(id, false));
      this.sensorEls.forEach((_, id) => this.alarmSensor(id, false));
    }

    // A unit: {id, status, position:{lat, lon, time}, heading?, label, duty_point}. Without a
    // fix it sits at its duty point, hollow, marked as having no fix.
    setUnit(u, now) {
      const u_ = this.u;
      let g = this.unitEls.get(u.id);
      if (!g) {
        g = el("g", { class: "unit", "data-unit": u.id, tabindex: "-1" }, this.gUnits);
        el("line", { class: "heading", x1: 0, y1: 0, x2: 0, y2: -22 * u_, "marker-end": this.arrowRef }, g);
        el("path", { class: "unit-shape" }, g);
        el("text", { class: "unit-letter", "font-size": 9 * u_, "text-anchor": "middle", y: 3 * u_ }, g);
        el("text", { class: "unit-label", "font-size": 10 * u_, x: 11 * u_, y: -2 * u_ }, g);
        el("text", { class: "unit-age", "font-size": 9 * u_, x: 11 * u_, y: 9 * u_ }, g);
        el("title", null, g);
        this.unitEls.set(u.id, g);
      }
      const status = u.status || "available";
      const look = UNIT_LOOK[status] || { letter: "?", shape: "circle" };
      let xy = null;
      const fix = u.position && typeof u.position.lat === "number" && typeof u.position.lon === "number";
      if (fix) xy = this.lonlat(u.position.lon, u.position.lat);
      else if (u.duty_point && this.dutyPoints.has(u.duty_point)) {
        const d = this.dutyPoints.get(u.duty_point);
        // Spread the units of one duty point so their symbols do not overlap.
        const k = u._slot || 0;
        xy = [d[0] + (k % 4) * 16 * u_ - 24 * u_, d[1] + 16 * u_ + Math.floor(k / 4) * 16 * u_];
      }
      if (!xy) { g.setAttribute("display", "none"); return; }
      g.removeAttribute("display");
      const ageS = fix && u.position.time ? ((now || Date.now()) - new Date(u.position.time).getTime()) / 1000 : Infinity;
      const stale = !fix || ageS > 120;
      g.setAttribute("class", "unit status-" + status + (stale ? " stale" : "") + (fix ? "" : " nofix"));
      g.setAttribute("transform", "translate(" + xy[0].toFixed(1) + "," + xy[1].toFixed(1) + ")");
      const s = 7 * u_;
      const shape = g.querySelector(".unit-shape");
      const d = {
        circle: "M" + -s + ",0A" + s + "," + s + " 0 1 0 " + s + ",0A" + s + "," + s + " 0 1 0 " + -s + ",0Z",
        diamond: "M0," + -s * 1.3 + "L" + s * 1.3 + ",0L0," + s * 1.3 + "L" + -s * 1.3 + ",0Z",
        triangle: "M0," + -s * 1.3 + "L" + s * 1.2 + "," + s + "L" + -s * 1.2 + "," + s + "Z",
        square: "M" + -s + "," + -s + "H" + s + "V" + s + "H" + -s + "Z",
        cross: "M" + -s + "," + -s + "H" + s + "V" + s + "H" + -s + "Z",
      }[look.shape];
      shape.setAttribute("d", d);
      g.querySelector(".unit-letter").textContent = look.letter;
      g.querySelector(".unit-label").textContent = u.label || u.id;
      g.querySelector(".unit-age").textContent = fix ? G.fmtAge(u.position.time, now) : G.t("age.none");
      const heading = g.querySelector(".heading");
      const h = typeof u.heading === "number" ? u.heading : (typeof u.course === "number" ? u.course : null);
      if (h === null || !fix) heading.setAttribute("display", "none");
      else {
        heading.removeAttribute("display");
        heading.setAttribute("transform", "rotate(" + h + ")");
      }
      g.querySelector("title").textContent = (u.label || u.id) + " · " + G.t("ustatus." + status) + " · " + (fix ? G.fmtAge(u.position.time, now) : G.t("age.none"));
    }

    removeUnit(id) {
      const g = this.unitEls.get(id);
      if (g) { g.remove(); this.unitEls.delete(id); }
    }

    // A track: points [{lat, lon}], optional heading (degrees) and predicted zone id.
    setTrack(id, tr) {
      let g = this.trackEls.get(id);
      if (!g) {
        g = el("g", { class: "track", "data-track": id }, this.gTracks);
        el("path", { class: "track-path" }, g);
        el("line", { class: "track-predict", "marker-end": this.arrowRef }, g);
        el("text", { class: "track-label", "font-size": 12 * this.u }, g);
        this.trackEls.set(id, g);
      }
      const pts = (tr.points || []).map((p) => this.lonlat(p.lon, p.lat));
      if (!pts.length) return;
      g.querySelector(".track-path").setAttribute("d", pts.map((p, i) => (i ? "L" : "M") + p[0].toFixed(1) + "," + p[1].toFixed(1)).join(""));
      const last = pts[pts.length - 1];
      const line = g.querySelector(".track-predict");
      let end = null;
      if (tr.predicted_zone && this.zoneEls.has(tr.predicted_zone)) {
        const z = (this.port.zones || []).find((x) => x.id === tr.predicted_zone);
        end = z ? this.anchor(z.geometry) : null;
      }
      if (!end && typeof tr.heading === "number") {
        const r = (tr.heading * Math.PI) / 180;
        const len = 60 * this.u;
        end = [last[0] + Math.sin(r) * len, last[1] - Math.cos(r) * len];
      }
      if (end) {
        line.removeAttribute("display");
        line.setAttribute("x1", last[0]); line.setAttribute("y1", last[1]);
        line.setAttribute("x2", end[0]); line.setAttribute("y2", end[1]);
      } else line.setAttribute("display", "none");
      const lbl = g.querySelector(".track-label");
      lbl.setAttribute("x", last[0] + 8 * this.u);
      lbl.setAttribute("y", last[1] - 8 * this.u);
      const z = tr.predicted_zone && (this.port.zones || []).find((x) => x.id === tr.predicted_zone);
      lbl.textContent = z ? "→ " + G.t("map.toward", { zone: G.name(z.name, z.id) }) : "";
    }

    clearTracks() {
      this.trackEls.forEach((g) => g.remove());
      this.trackEls.clear();
    }
  }

  window.PortMap = PortMap;
})();
