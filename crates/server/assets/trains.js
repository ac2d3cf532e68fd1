"use strict";
// Today's trains: status, manifest, pre-arrival hits, verification and the timer against the
// target. Refreshed every few seconds.
(function () {
  const $ = (id) => document.getElementById(id);
  let trains = [];

  function mmss(s) {
    if (s == null) return "—";
    const m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function render() {
    const rows = trains.map((t) => {
      const hits = t.prescreen ? t.prescreen.hit_count : "—";
      const late = t.timer.elapsed_s != null && t.timer.elapsed_s > t.timer.target_s;
      const timer = mmss(t.timer.elapsed_s) + " / " + mmss(t.timer.target_s);
      return "<tr data-train=\"" + G.esc(t.id) + "\"><td>" + G.esc(t.number) + "</td><td>" + G.esc(G.t("tr.kind." + t.kind)) +
        "</td><td><time datetime=\"" + G.esc(t.scheduled_arrival) + "\">" + G.esc(G.fmtTime(t.scheduled_arrival)) + "</time></td><td>" +
        G.esc(G.t("tr.status." + t.status)) + "</td><td>" + t.manifest.persons + "</td><td>" + hits + "</td><td>" +
        t.verification.verified + " / " + t.manifest.persons + "</td><td class=\"" + (late ? "error" : "") + "\">" + G.esc(timer) +
        "</td><td><a href=\"/trains/" + encodeURIComponent(t.id) + "/board\">" + G.esc(G.t("tr.open")) + "</a></td></tr>";
    });
    document.querySelector("#tr-table tbody").innerHTML = rows.join("");
    $("tr-empty").hidden = trains.length > 0;
  }

  async function load() {
    try {
      const d = $("tr-date").value;
      trains = await G.api("GET", "/api/v1/trains" + (d ? "?date=" + encodeURIComponent(d) : ""));
      $("tr-error").hidden = true;
      render();
    } catch (e) {
      $("tr-error").hidden = false;
      $("tr-error").textContent = G.errorText(e);
    }
  }

  $("tr-date").addEventListener("change", load);
  document.addEventListener("guomen:lang", render);
  setInterval(load, 5000);
  load().then(() => G.ready());
})();
