"use strict";
// The duty log: everyone on staff reads it, duty chiefs write it.
(function () {
  const $ = (id) => document.getElementById(id);
  let entries = [];

  function render() {
    $("dl-list").innerHTML = entries.map((e) => "<li data-entry=\"" + G.esc(e.id) + "\"><div class=\"log-meta\"><time datetime=\"" + G.esc(e.time) + "\">" + G.esc(G.fmtTime(e.time)) + "</time> · " + G.esc(e.author) + "</div><div class=\"log-text\">" + G.esc(e.text) + "</div></li>").join("");
  }

  async function load() {
    try {
      entries = await G.api("GET", "/api/v1/duty-log?limit=200");
      $("dl-unavailable").hidden = true;
      render();
    } catch (e) {
      $("dl-unavailable").hidden = false;
      $("dl-unavailable").textContent = G.t(e.status === 403 ? "dl.not_allowed" : "panel.unavailable", { code: e.status || "?" });
    }
  }

  if (G.can.dutyLogWrite) $("dl-form").hidden = false;
  $("dl-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("dl-text").value.trim();
    if (!text) return;
    $("dl-submit").disabled = true;
    try {
      const e = await G.api("POST", "/api/v1/duty-log", { text });
      entries.unshift(e);
      render();
      $("dl-text").value = "";
      $("dl-error").hidden = true;
      G.toast(G.t("dl.saved"), "ok");
    } catch (e) {
      $("dl-error").hidden = false;
      $("dl-error").textContent = G.errorText(e);
    } finally {
      $("dl-submit").disabled = false;
    }
  });
  document.addEventListener("guomen:lang", render);
  load().then(() => G.ready());
})();
