"use strict";
// Shared by every page: labels in two languages, the API helper, log out, small formatters.
// Script errors are kept for the browser tests to report (and for a person with devtools).
window.guomenErrors = [];
window.addEventListener("error", (e) => window.guomenErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.guomenErrors.push(String(e.reason && (e.reason.stack || e.reason))));
(function () {
  const DICT = window.GUOMEN_I18N || {};
  const root = document.documentElement;
  const body = document.body;
  let lang = root.dataset.lang === "en" ? "en" : "zh";

  function t(key, vars) {
    const e = DICT[key];
    let s = e ? e[lang] : key;
    if (vars) for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }

  // Re-labels every marked element; pages re-render their dynamic parts on "guomen:lang".
  function apply(scope) {
    const el = scope || document;
    el.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
    el.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
    el.querySelectorAll("[data-i18n-title]").forEach((n) => { n.title = t(n.dataset.i18nTitle); });
    el.querySelectorAll("[data-i18n-aria-label]").forEach((n) => { n.setAttribute("aria-label", t(n.dataset.i18nAriaLabel)); });
  }

  function setLang(l) {
    lang = l === "en" ? "en" : "zh";
    try { localStorage.setItem("guomen.lang", lang); } catch (e) { /* private mode */ }
    // The server renders the next page in this language too.
    document.cookie = "guomen_lang=" + lang + "; Path=/; SameSite=Strict; Max-Age=31536000";
    root.dataset.lang = lang;
    root.lang = lang === "zh" ? "zh-CN" : "en";
    const tog = document.getElementById("lang-toggle");
    if (tog) tog.lang = lang === "zh" ? "en" : "zh";
    apply();
    document.dispatchEvent(new CustomEvent("guomen:lang", { detail: lang }));
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || ("HTTP " + status));
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, payload) {
    const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
    if (payload !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const r = await fetch(path, init);
    if (r.status === 401) {
      location.assign("/login");
      throw new ApiError(401, null);
    }
    const text = await r.text();
    let j = null;
    try { j = text ? JSON.parse(text) : null; } catch (e) { j = null; }
    if (!r.ok) throw new ApiError(r.status, j);
    return j;
  }

  const role = body.dataset.role || "";
  // A mirror of the API's access table, only to decide which buttons to draw: the API
  // enforces every call whatever the page shows.
  const COMMAND = ["admin", "duty_chief"];
  const can = {
    incidentActions: COMMAND.includes(role),
    dutyLogWrite: COMMAND.includes(role),
    inspect: ["admin", "duty_chief", "inspector"].includes(role),
  };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // A time on the station's clock face (the page says the station's UTC offset), not the
  // browser's: a reader in another time zone sees the times the station's staff see.
  function fmtTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const p = (n) => String(n).padStart(2, "0");
    const off = Number.parseInt(document.body && document.body.dataset.utcOffsetMin, 10);
    if (Number.isFinite(off)) {
      const s = new Date(d.getTime() + off * 60000);
      return s.getUTCFullYear() + "-" + p(s.getUTCMonth() + 1) + "-" + p(s.getUTCDate()) + " " + p(s.getUTCHours()) + ":" + p(s.getUTCMinutes()) + ":" + p(s.getUTCSeconds());
    }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  function fmtAge(iso, now) {
    if (!iso) return t("age.none");
    const s = Math.max(0, Math.round(((now || Date.now()) - new Date(iso).getTime()) / 1000));
    if (s < 60) return t("age.s", { n: s });
    if (s < 3600) return t("age.m", { n: Math.floor(s / 60) });
    return t("age.h", { n: Math.floor(s / 3600) });
  }

  // A localised name from the port file ({zh, en}) or a plain string.
  function name(n, fallback) {
    if (!n) return fallback || "";
    if (typeof n === "string") return n;
    return n[lang] || n.en || n.zh || fallback || "";
  }

  // Server-made text comes as {code, params} next to an English string. The code is a
  // dictionary key; a few parameters are named by their key: labels (list, direction, unit
  // status and kind, sensor kind), a duration (eta_s) and a distance (distance_m), a nested
  // code (reason), and what `names` resolves (zones and sites from the port). An unknown code
  // shows the English string as sent.
  const LABELLED = { list: "list.", direction: "dir.", status: "ustatus.", unit_kind: "ukind.", sensor_kind: "sensor." };
  function param(k, v, params, names) {
    const n = Number(v);
    if (names && typeof names[k] === "function") return names[k](v);
    if (LABELLED[k] && DICT[LABELLED[k] + v]) return t(LABELLED[k] + v);
    if (k === "reason" && DICT[v]) {
      const rest = Object.assign({}, params);
      delete rest.reason;
      return text({ code: v, params: rest }, v, names);
    }
    if (k === "eta_s" && isFinite(n)) return n < 90 ? t("eta.s", { n: Math.round(n) }) : t("eta.m", { n: Math.round(n / 60) });
    if (k === "distance_m" && isFinite(n)) return n < 1000 ? t("dist.m", { n: Math.round(n) }) : t("dist.km", { n: (n / 1000).toFixed(1) });
    return v;
  }

  function text(msg, fallback, names) {
    if (!msg || typeof msg.code !== "string" || !DICT[msg.code]) return fallback == null ? "" : String(fallback);
    const params = msg.params || {};
    const vars = {};
    for (const k of Object.keys(params)) vars[k] = param(k, params[k], params, names);
    return t(msg.code, vars);
  }

  // An API error for people: the envelope's code in the reader's language, else its message.
  function errorText(e) {
    const code = e && e.body && e.body.error && e.body.error.code;
    if (code && DICT["error." + code]) return t("error." + code);
    return (e && e.message) || String(e);
  }

  // Names for the parameters that are port ids (zones, sites and duty points).
  function portNames(port) {
    const find = (list, id) => (list || []).find((x) => x.id === id);
    const zone = (id) => { const z = port && find(port.zones, id); return z ? name(z.name, id) : id; };
    const place = (id) => { const s = port && (find(port.sites, id) || find(port.duty_points, id)); return s ? name(s.name, id) : id; };
    return { zone, toward: zone, site: place, of: place };
  }

  let toastTimer = null;
  function toast(msg, kind) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = msg;
    el.className = "toast show " + (kind || "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.className = "toast"; }, 5000);
  }

  // The page has its data on screen: tests and the performance timeline read this.
  function ready() {
    body.dataset.ready = "yes";
    try { performance.mark("guomen-ready"); } catch (e) { /* old browser */ }
  }

  window.G = { ready, t, text, errorText, portNames, apply, setLang, get lang() { return lang; }, api, ApiError, role, can, esc, fmtTime, fmtAge, name, toast };

  let stored = null;
  try { stored = localStorage.getItem("guomen.lang"); } catch (e) { stored = null; }
  if (stored && stored !== lang) setLang(stored);

  const tog = document.getElementById("lang-toggle");
  if (tog) tog.addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
  const out = document.getElementById("logout");
  if (out) {
    if (body.dataset.signedIn !== "yes") out.hidden = true;
    out.addEventListener("click", async () => {
      try { await fetch("/auth/logout", { method: "POST", credentials: "same-origin" }); } catch (e) { /* leave anyway */ }
      location.assign("/login");
    });
  }
})();
