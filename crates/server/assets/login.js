"use strict";
// The form posts to /auth/login without JavaScript too; with it, an error shows in place
// instead of a JSON page.
(function () {
  const form = document.getElementById("login-form");
  const err = document.getElementById("login-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const body = { username: form.username.value.trim(), password: form.password.value };
    const submit = document.getElementById("login-submit");
    submit.disabled = true;
    try {
      const r = await fetch("/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      if (r.ok) {
        const j = await r.json();
        location.assign(j.home || "/");
        return;
      }
      let key = "login.failed";
      if (r.status === 429) key = "login.throttled";
      err.dataset.i18n = key;
      err.textContent = G.t(key);
      err.hidden = false;
      form.password.value = "";
      form.password.focus();
    } catch (e) {
      err.dataset.i18n = "login.offline";
      err.textContent = G.t("login.offline");
      err.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
})();
