// The plan page: escalate every repeat place to major supervision (重点督办), then reload so
// the table shows which tickets are escalated.
"use strict";
(function () {
  const { t, api } = window.SO;
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
