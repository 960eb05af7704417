// The squad's tickets: report dispatched ones rectified (photo + note), without page reloads;
// see those awaiting re-inspection.
"use strict";
(function () {
  const { t, name, api, element, formatTime, ApiError, context } = window.SO;
  const config = JSON.parse(document.getElementById("squad-config").textContent);
  const $ = (id) => document.getElementById(id);
  const places = { squads: {}, keyPoints: {}, cameras: {} };
  const DISPATCHED = "dispatched";
  const RECTIFIED = "rectified";
  const HOUR = 3600 * 1000;
  let generation = 0; // bumped per load: answers for another squad's lists are dropped

  // Overdue first (the earliest deadline is the most overdue), then the nearest deadline;
  // tickets without one last, the longest waiting first.
  function byUrgency(a, b) {
    const first = a.deadline ? Date.parse(a.deadline) : Infinity;
    const second = b.deadline ? Date.parse(b.deadline) : Infinity;
    if (first !== second) return first - second;
    return Date.parse(a.raised_at) - Date.parse(b.raised_at);
  }

  const isOverdue = (ticket, now) =>
    ticket.status === DISPATCHED && Boolean(ticket.deadline) && Date.parse(ticket.deadline) < now;

  function dueText(deadline, now) {
    const hours = Math.abs(Date.parse(deadline) - now) / HOUR;
    const amount = hours < 48 ? t("{n} h").replace("{n}", Math.max(1, Math.round(hours))) :
      t("{n} days").replace("{n}", Math.round(hours / 24));
    const text = Date.parse(deadline) < now ? t("overdue by {time}") : t("due in {time}");
    return text.replace("{time}", amount);
  }

  function placeName(table, code) {
    return table[code] || code;
  }

  function fact(label, ...value) {
    return [element("dt", {}, label), element("dd", {}, ...value)];
  }

  function showNotice(text) {
    $("squad-error").hidden = true;
    $("squad-notice").textContent = text;
    $("squad-notice").hidden = false;
  }

  function showError(target, text) {
    target.textContent = String(text).split("\n")[0];
    target.hidden = false;
  }

  async function fetchAll(status) {
    const params = new URLSearchParams({ status, limit: "200" });
    if (config.squad) params.set("squad", config.squad);
    const tickets = [];
    for (let page = 0; page < 50; page++) {
      const { data, headers } = await api("GET", "/api/v1/tickets?" + params);
      tickets.push(...data);
      const cursor = headers.get("X-Next-Cursor");
      if (!cursor) break;
      params.set("cursor", cursor);
    }
    return tickets;
  }

  async function uploadPhoto(ticketId, file) {
    const headers = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
    if (context.csrf) headers["X-CSRF-Token"] = context.csrf;
    const response = await fetch(`/api/v1/tickets/${ticketId}/photos`, {
      method: "POST",
      headers,
      body: file,
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : `HTTP ${response.status}`;
      throw new ApiError(response.status, t("Photo not accepted") + ": " + detail);
    }
    return data;
  }

  function rectifyForm(ticket) {
    const error = element("p", { class: "error", role: "alert", hidden: true });
    const form = element(
      "form",
      { class: "rectify-form" },
      element(
        "label",
        {},
        t("Photo after rectification"),
        element("input", { type: "file", name: "photo", accept: "image/*", required: true }),
      ),
      element(
        "label",
        {},
        t("Note"),
        element("textarea", {
          name: "note",
          rows: "2",
          maxlength: "2000",
          required: true,
          placeholder: t("What was done"),
        }),
      ),
      element("button", { type: "submit", class: "primary" }, t("Report rectified")),
      error,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      rectify(ticket, form, error);
    });
    return form;
  }

  // `listed`: the status of the list the card is in; a ticket that moved on says where to.
  function card(ticket, now, listed) {
    const overdue = isOverdue(ticket, now);
    const link = `/tickets/${ticket.ticket}`;
    const thumb = ticket.manifest_sha256
      ? element("img", {
          src: `/api/v1/tickets/${ticket.ticket}/evidence/snapshot.jpg`,
          alt: t("Snapshot"),
          loading: "lazy",
        })
      : element("span", { class: "no-thumb muted" }, t("No snapshot yet"));
    const done = ticket.state.rectification;
    const facts = element(
      "dl",
      { class: "squad-facts" },
      fact(t("Key point"), placeName(places.keyPoints, ticket.key_point)),
      fact(t("Camera"), placeName(places.cameras, ticket.camera)),
      fact(t("Raised"), formatTime(ticket.raised_at)),
      ticket.deadline
        ? fact(
            t("Deadline"),
            element(
              "span",
              { class: overdue ? "overdue" : null },
              formatTime(ticket.deadline),
              ticket.status === DISPATCHED ? ` (${dueText(ticket.deadline, now)})` : "",
            ),
          )
        : null,
      config.choose ? fact(t("Squad"), placeName(places.squads, ticket.squad)) : null,
      ticket.status === RECTIFIED && done
        ? [fact(t("Reported"), `${formatTime(done.at)} · ${done.by}`), fact(t("Note"), done.note)].flat()
        : null,
    );
    return element(
      "li",
      { class: "card squad-ticket" + (overdue ? " is-overdue" : ""), "data-ticket": ticket.ticket },
      element("a", { class: "thumb", href: link }, thumb),
      element(
        "div",
        { class: "squad-body" },
        element(
          "h3",
          {},
          element("a", { href: link }, ticket.ticket),
          " · ",
          name(ticket.type),
          overdue ? element("span", { class: "badge overdue-badge" }, t("Overdue")) : null,
          ticket.status !== listed ? element("span", { class: "badge moved" }, t(ticket.status))
            : null,
        ),
        facts,
        ticket.status === DISPATCHED ? rectifyForm(ticket) : null,
      ),
    );
  }

  function renderList(listId, countId, tickets, empty) {
    const now = Date.now();
    const list = $(listId);
    list.replaceChildren(...tickets.map((ticket) => card(ticket, now, ticket.status)));
    if (!tickets.length) list.append(element("li", { class: "muted empty" }, empty));
    $(countId).textContent = String(tickets.length);
  }

  function renderDispatched(tickets) {
    renderList("dispatched-list", "dispatched-count", [...tickets].sort(byUrgency), t("Nothing to rectify."));
  }

  function renderRectified(tickets) {
    const at = (ticket) => Date.parse((ticket.state.rectification || {}).at || ticket.raised_at);
    const sorted = [...tickets].sort((a, b) => at(a) - at(b));
    renderList("rectified-list", "rectified-count", sorted, t("Nothing awaiting re-inspection."));
  }

  async function load() {
    const mine = ++generation;
    try {
      const [dispatched, rectified] = await Promise.all([fetchAll(DISPATCHED), fetchAll(RECTIFIED)]);
      if (mine !== generation) return;
      renderDispatched(dispatched);
      renderRectified(rectified);
    } catch (failure) {
      showError($("squad-error"), t("Could not load the tickets") + ": " + failure.message);
    }
  }

  async function loadRectified() {
    const mine = generation;
    const rectified = await fetchAll(RECTIFIED);
    if (mine === generation) renderRectified(rectified);
  }

  function dispatchedLeft() {
    const left = $("dispatched-list").querySelectorAll("li.squad-ticket").length;
    $("dispatched-count").textContent = String(left);
    if (!left) $("dispatched-list").replaceChildren(element("li", { class: "muted empty" }, t("Nothing to rectify.")));
  }

  // A 409: someone changed the ticket meanwhile. Show what it is now instead of overwriting it.
  async function showCurrent(ticket, message) {
    const item = $("dispatched-list").querySelector(`[data-ticket="${ticket.ticket}"]`);
    try {
      const { data } = await api("GET", `/api/v1/tickets/${ticket.ticket}`);
      const fresh = card(data, Date.now(), DISPATCHED);
      const line = fresh.querySelector(".rectify-form .error") || element("p", { class: "error", role: "alert" });
      if (!line.parentNode) fresh.querySelector(".squad-body").append(line);
      showError(line, message);
      if (item) item.replaceWith(fresh);
    } catch (failure) {
      if (item) item.remove();
      dispatchedLeft();
      showError($("squad-error"), message);
    }
  }

  async function rectify(ticket, form, error) {
    const file = form.elements.photo.files[0];
    const note = form.elements.note.value.trim();
    error.hidden = true;
    if (!file || !note) {
      showError(error, t("Choose a photo and write a note."));
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      button.textContent = t("Uploading the photo…");
      const photo = await uploadPhoto(ticket.ticket, file);
      button.textContent = t("Sending…");
      const headers = { "If-Match": String(ticket.state.version) };
      const body = { photo_ref: photo.photo_ref, note };
      await api("POST", `/api/v1/tickets/${ticket.ticket}/rectify`, body, headers);
    } catch (failure) {
      button.disabled = false;
      button.textContent = t("Report rectified");
      if (failure instanceof ApiError && failure.status === 409) await showCurrent(ticket, failure.message);
      else showError(error, failure.message);
      return;
    }
    form.closest("li").remove();
    dispatchedLeft();
    showNotice(t("{ticket} reported rectified: it now awaits re-inspection.").replace("{ticket}", ticket.ticket));
    await loadRectified().catch((failure) => showError($("squad-error"), failure.message));
  }

  async function loadPlaces() {
    const read = (url) => api("GET", url).then(({ data }) => data).catch(() => []);
    const [squads, keyPoints, cameras] = await Promise.all([
      read("/api/v1/squads"),
      read("/api/v1/key-points"),
      read("/api/v1/cameras"),
    ]);
    for (const squad of squads) places.squads[squad.code] = squad.name;
    for (const point of keyPoints) places.keyPoints[point.code] = point.name;
    for (const camera of cameras) places.cameras[camera.id] = camera.name || camera.id;
    return squads;
  }

  function setUpChoice(squads) {
    const select = $("squad-select");
    if (!select) {
      if ($("squad-name")) $("squad-name").textContent = placeName(places.squads, config.squad);
      return;
    }
    for (const squad of squads) select.append(element("option", { value: squad.code }, squad.name));
    select.value = config.squad;
    select.addEventListener("change", () => {
      config.squad = select.value;
      const address = new URL(window.location.href);
      if (config.squad) address.searchParams.set("squad", config.squad);
      else address.searchParams.delete("squad");
      window.history.replaceState(null, "", address);
      $("squad-notice").hidden = true;
      load();
    });
  }

  loadPlaces().then((squads) => {
    setUpChoice(squads);
    load();
  });
})();
