"use strict";
// On board, on a phone: scan a document's MRZ (or type a manifest person's id when the reader
// fails) in the carriage, see how it compares with the manifest and the decision.
(function () {
  const $ = (id) => document.getElementById(id);
  const id = $("board").dataset.trainId;
  let train = null;

  function summary() {
    if (!train) return;
    $("bd-number").textContent = train.number;
    const v = train.verification;
    const rows = [
      ["tr.status", G.t("tr.status." + train.status)],
      ["tr.verified", v.verified + " / " + train.manifest.persons],
      ["bd.exceptions", String(v.exceptions)],
      ["bd.remaining", String(v.remaining)],
    ];
    $("bd-summary").innerHTML = rows.map((r) => "<dt>" + G.esc(G.t(r[0])) + "</dt><dd>" + G.esc(r[1]) + "</dd>").join("");
  }

  async function load() {
    try {
      train = await G.api("GET", "/api/v1/trains/" + encodeURIComponent(id));
      summary();
    } catch (e) {
      $("bd-error").hidden = false;
      $("bd-error").textContent = G.errorText(e);
    }
  }

  $("bd-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const lines = $("bd-mrz").value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
    const person = $("bd-person").value.trim();
    const body = {};
    if (lines.length) body.mrz = lines; else if (person) body.person_id = person;
    const carriage = $("bd-carriage").value.trim();
    if (carriage) body.carriage = carriage;
    if (!body.mrz && !body.person_id) {
      $("bd-error").hidden = false;
      $("bd-error").textContent = G.t("bd.need_input");
      return;
    }
    $("bd-submit").disabled = true;
    try {
      const r = await G.api("POST", "/api/v1/trains/" + encodeURIComponent(id) + "/verifications", body);
      $("bd-error").hidden = true;
      const who = r.person ? r.person.surname + " " + r.person.given_names + " (" + r.person.person_id + ")" : "—";
      const decision = r.decision ? G.t("bd.decision." + r.decision) : G.t("bd.pending");
      $("bd-result").hidden = false;
      $("bd-result").className = r.match === "manifest" ? "ok" : "error";
      $("bd-result").dataset.match = r.match;
      $("bd-result").innerHTML = "<p><strong>" + G.esc(G.t("bd.match." + r.match)) + "</strong></p><p>" + G.esc(who) + "</p><p>" + G.esc(decision) + "</p>";
      $("bd-mrz").value = "";
      $("bd-person").value = "";
      await load();
    } catch (e) {
      $("bd-error").hidden = false;
      $("bd-error").textContent = G.errorText(e);
    } finally {
      $("bd-submit").disabled = false;
    }
  });
  document.addEventListener("guomen:lang", summary);
  load().then(() => G.ready());
})();
