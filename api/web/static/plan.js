// The plan page: record a street inspection (or a district visit), and escalate every repeat
// place to major supervision (重点督办); both reload so the tables show the change.
"use strict";
(function () {
  const { t, api } = window.SO;
  const form = document.getElementById("inspection-form");
  if (form) {
    const started = form.elements.namedItem("started_at");
    // Now in Beijing time, as the datetime-local field shows it (minutes).
    const beijing = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 16);
    started.value = beijing;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = document.getElementById("inspection-result");
      const data = new FormData(form);
      const body = {
        key_point: data.get("key_point"),
        kind: data.get("kind"),
        // The field is Beijing time; the service wants a time with its zone.
        started_at: `${data.get("started_at")}:00+08:00`,
        note: data.get("note") || null,
      };
      try {
        const { data: saved } = await api("POST", "/api/v1/inspections", body);
        out.textContent = t("Inspection recorded: {id}").replace("{id}", saved.id);
        window.setTimeout(() => window.location.reload(), 800);
      } catch (error) {
        out.textContent = error.message;
      }
    });
  }

  const button = document.getElementById("escalate-places");
  const result = document.getElementById("escalate-result");
  if (!button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { data } = await api("POST", "/api/v1/plan/repeat-places/escalate");
      result.textContent = t("Tickets escalated: {n}").replace("{n}", String(data.escalated));
      window.setTimeout(() => window.location.reload(), 800);
    } catch (error) {
      result.textContent = error.message;
      button.disabled = false;
    }
  });
})();
