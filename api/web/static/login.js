"use strict";
(function () {
  const form = document.getElementById("login-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: fields.get("username"), password: fields.get("password") }),
      credentials: "same-origin",
    });
    if (response.ok) {
      window.location.href = form.dataset.next || "/";
    } else {
      document.getElementById("login-error").hidden = false;
    }
  });
})();
