// The ticket page: evidence, details, the audit timeline and an on-demand evidence check.
"use strict";
(function () {
  const { t, name, api, element, formatTime } = window.SO;
  const $ = (id) => document.getElementById(id);
  const key = $("ticket-page").dataset.ticket;
  const base = `/api/v1/tickets/${encodeURIComponent(key)}`;

  const ACTIONS = {
    ingest: "Detected",
    update: "Incident updated",
    evidence: "Evidence stored",
    confirm: "Confirmed",
    reject: "Rejected",
    dispatch: "Dispatched",
    rectify: "Rectified",
    reinspect: "Re-inspected",
    look_back: "Looked back",
    reclassify: "Reclassified",
    merge: "Merged",
    photo: "Photo added",
    escalate: "Escalated to major supervision",
  };
  const DETAIL_LABELS = {
    type: "Type",
    priority: "Priority",
    reason: "Reason",
    note: "Note",
    squad: "Squad",
    deadline: "Deadline",
    violation_type: "New type",
    into: "Merged into",
    outcome: "Outcome",
    manifest_sha256: "Manifest hash",
    photo_ref: "Photo",
    sha256: "SHA-256",
    changed: "Changed",
  };

  const places = { cameras: {}, keyPoints: {}, squads: {} };

  function showError(message) {
    const box = $("tp-error");
    box.textContent = `${t("Error")}: ${message}`;
    box.hidden = false;
  }

  const byKey = (rows, field) => Object.fromEntries((rows || []).map((row) => [row[field], row]));
  const quietly = (url) => api("GET", url).then((answer) => answer.data).catch(() => []);

  async function loadPlaces() {
    const [cameras, keyPoints, squads] = await Promise.all([
      quietly("/api/v1/cameras"),
      quietly("/api/v1/key-points"),
      quietly("/api/v1/squads"),
    ]);
    places.cameras = byKey(cameras, "id");
    places.keyPoints = byKey(keyPoints, "code");
    places.squads = byKey(squads, "code");
  }

  const squadName = (code) => (places.squads[code] ? places.squads[code].name : code);
  const shortHash = (hash) => (hash ? `${hash.slice(0, 12)}…` : "–");

  function showHead(ticket) {
    $("tp-type").textContent = name(ticket.type);
    const statusBadge = $("tp-status");
    statusBadge.textContent = t(ticket.status);
    statusBadge.className = `badge status ${ticket.status}`;
    const priority = $("tp-priority");
    priority.textContent = `${t("Priority")}: ${t(ticket.priority)}`;
    priority.className = `badge ${ticket.priority}`;
  }

  function row(label, ...value) {
    return [element("dt", {}, t(label)), element("dd", {}, ...value)];
  }

  function detailRows(ticket) {
    const camera = places.cameras[ticket.camera];
    const point = places.keyPoints[ticket.key_point];
    const [x1, y1, x2, y2] = ticket.box_xyxy.map((v) => Math.round(v));
    const overdue = ticket.deadline && new Date(ticket.deadline) < new Date() && ticket.status === "dispatched";
    const analyzers = Object.entries(ticket.scores || {}).map(([analyzer, score]) =>
      element("li", {}, `${analyzer}: ${Number(score).toFixed(2)}`)
    );
    return [
      row("Camera", camera && camera.name ? `${camera.name} (${ticket.camera})` : ticket.camera),
      row("Key point", `${point ? point.name : ticket.key_point} · ${name(ticket.category)}`),
      row("Squad", squadName(ticket.squad)),
      row("Raised", formatTime(ticket.raised_at)),
      row("First seen", formatTime(ticket.first_seen_at)),
      row("Ended", ticket.ended_at ? formatTime(ticket.ended_at) : t("still there")),
      row("Deadline", element("span", { class: overdue ? "overdue" : null }, formatTime(ticket.deadline))),
      row("Score", Number(ticket.score).toFixed(2), element("ul", { class: "tp-scores" }, analyzers)),
      row("Box (pixels)", `(${x1}, ${y1}) – (${x2}, ${y2})`),
      row("Incident", element("code", {}, ticket.incident_id)),
    ];
  }

  function showDetails(ticket) {
    $("tp-details").replaceChildren(...detailRows(ticket).flat());
  }

  function detailValue(field, value) {
    if (field === "deadline") return formatTime(value);
    if (field === "squad") return squadName(value);
    if (field === "type" || field === "violation_type") return name(value);
    if (field === "into") return element("a", { href: `/tickets/${encodeURIComponent(value)}` }, value);
    if (field === "manifest_sha256" || field === "sha256") return element("code", { title: value }, shortHash(value));
    if (field === "photo_ref") {
      const file = value.split("/").pop();
      return element("a", { href: `${base}/photos/${encodeURIComponent(file)}`, target: "_blank" }, file);
    }
    if (field === "changed" || field === "note") return value;
    const label = t(value);
    return label === value ? value.replace(/_/g, " ") : label;
  }

  function entryNotes(entry) {
    const parts = Object.entries(entry.details).map(([field, value]) =>
      element("span", { class: `tp-detail tp-${field}` }, `${t(DETAIL_LABELS[field] || field)}: `, detailValue(field, value))
    );
    if (entry.refused && entry.message) {
      parts.push(element("span", { class: "tp-detail tp-refusal" }, `${t("Refused because")}: ${entry.message}`));
    }
    return parts.length ? element("div", { class: "tp-notes" }, parts) : null;
  }

  function timelineEntry(entry) {
    const step = entry.action.split(":")[0];
    const label = t(ACTIONS[step] || step);
    const what = entry.refused ? `${t("Refused attempt")}: ${label}` : label;
    const change =
      entry.status_after && entry.status_after !== entry.status_before
        ? `${entry.status_before ? t(entry.status_before) + " → " : ""}${t(entry.status_after)}`
        : null;
    return element(
      "li",
      { class: entry.refused ? "tp-entry refused" : "tp-entry", "data-action": step, "data-refused": entry.refused },
      element("time", { datetime: entry.at }, formatTime(entry.at)),
      element("span", { class: "tp-who" }, entry.actor),
      element("strong", { class: "tp-what" }, what),
      change ? element("span", { class: "tp-change" }, change) : null,
      element("code", { class: "tp-hash", title: `#${entry.seq} ${entry.hash}` }, shortHash(entry.hash)),
      entryNotes(entry)
    );
  }

  function showTimeline(history) {
    const items = history.map(timelineEntry);
    $("tp-timeline").replaceChildren(...(items.length ? items : [element("li", { class: "muted" }, t("Nothing here"))]));
  }

  async function showClip(preRoll) {
    const video = $("tp-clip");
    video.dataset.start = String(preRoll);
    video.addEventListener("loadedmetadata", () => {
      video.currentTime = Math.min(preRoll, video.duration || preRoll);
    }, { once: true });
    video.src = `${base}/evidence/clip.mp4`;
    $("tp-clip-figure").hidden = false;
    $("tp-snapshot").src = `${base}/evidence/snapshot.jpg`;
    $("tp-snapshot-figure").hidden = false;
  }

  function hashRow(fileName, hash, label) {
    return element(
      "tr",
      { "data-file": fileName },
      element("th", { scope: "row" }, label || fileName),
      element("td", {}, element("code", { class: "tp-sha" }, hash || "–")),
      element("td", { class: "tp-check" })
    );
  }

  function showHashes(ticket, manifest) {
    const files = Object.entries((manifest && manifest.files) || {}).sort(([a], [b]) => a.localeCompare(b));
    $("tp-hashes").replaceChildren(
      hashRow("manifest.json", ticket.manifest_sha256, t("Manifest (recorded at upload)")),
      ...files.map(([fileName, entry]) => hashRow(fileName, entry.sha256))
    );
    $("tp-verify").disabled = false;
  }

  async function showEvidence(ticket) {
    if (!ticket.manifest_sha256) {
      $("tp-no-evidence").hidden = false;
      $("tp-hashes").replaceChildren(element("tr", {}, element("td", { class: "muted" }, t("No evidence bundle yet."))));
      return;
    }
    const [incident, manifest] = await Promise.all([
      api("GET", `${base}/evidence/incident.json`).then((a) => a.data).catch(() => null),
      api("GET", `${base}/evidence/manifest.json`).then((a) => a.data).catch(() => null),
    ]);
    const preRoll = incident && incident.clip ? Number(incident.clip.pre_roll_s) || 0 : 0;
    showClip(preRoll);
    showHashes(ticket, manifest);
  }

  function markRow(fileName, ok, now) {
    const tableRow = document.querySelector(`#tp-hashes tr[data-file="${CSS.escape(fileName)}"]`);
    if (!tableRow) return;
    tableRow.classList.toggle("tp-ok", ok);
    tableRow.classList.toggle("tp-bad", !ok);
    const cell = tableRow.querySelector(".tp-check");
    cell.replaceChildren(ok ? `✓ ${t("matches")}` : `✗ ${t("changed")}`);
    if (!ok && now) cell.append(element("div", {}, `${t("now")}: `, element("code", { title: now }, shortHash(now))));
  }

  function showVerdict(result) {
    const verdict = $("tp-verdict");
    verdict.hidden = false;
    verdict.className = `tp-verdict ${result.ok ? "good" : "bad"}`;
    if (result.ok) {
      verdict.replaceChildren(`✓ ${t("Intact: every file matches its manifest, and the manifest matches the hash recorded at upload.")}`);
      return;
    }
    verdict.replaceChildren(
      element("strong", {}, `✗ ${t("Changed since upload")}:`),
      element("ul", {}, result.problems.map((problem) => element("li", {}, problem)))
    );
  }

  async function verify() {
    const button = $("tp-verify");
    button.disabled = true;
    button.textContent = t("Verifying…");
    try {
      const result = (await api("GET", `${base}/evidence/verify`)).data;
      for (const file of result.files) markRow(file.name, file.ok, file.sha256);
      const manifestOk = result.manifest_sha256 === result.recorded_sha256 &&
        !result.problems.some((problem) => problem.startsWith("manifest.json"));
      markRow("manifest.json", manifestOk, manifestOk ? null : result.manifest_sha256);
      showVerdict(result);
    } catch (error) {
      showVerdict({ ok: false, problems: [error.message] });
    } finally {
      button.disabled = false;
      button.textContent = t("Verify");
    }
  }

  async function load() {
    try {
      const [ticket, history] = await Promise.all([
        api("GET", base).then((a) => a.data),
        api("GET", `${base}/history`).then((a) => a.data),
        loadPlaces(),
      ]);
      showHead(ticket);
      showDetails(ticket);
      showTimeline(history);
      await showEvidence(ticket);
      $("ticket-page").dataset.loaded = "true";
    } catch (error) {
      showError(error.message);
    }
  }

  $("tp-verify").addEventListener("click", verify);
  load();
})();
