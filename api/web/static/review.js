// The review queue: one pending ticket at a time, decided with the keyboard, no page reloads.
"use strict";
(function () {
  const { t, name, api, element, formatTime } = window.SO;
  const config = JSON.parse(document.getElementById("review-config").textContent);
  const ORDER_KEY = "streetorder.review.order";
  const DEFAULT_ORDER = "-priority,score";
  const PENDING = "pending_review";
  const $ = (id) => document.getElementById(id);
  const reasonCodes = config.reasons.map((reason) => reason.code);
  const reasonLabels = Object.fromEntries(config.reasons.map((r) => [r.code, r.label]));
  // Status and priority codes: Chinese from the catalogue, in English the code made readable.
  const label = (code) => {
    const text = t(code);
    return text === code ? code.replace(/_/g, " ") : text;
  };

  const queue = {
    tickets: [], // every ticket fetched so far, in queue order (decided ones stay, marked)
    index: -1,
    cursor: null,
    order: DEFAULT_ORDER,
    generation: 0, // bumped when the order changes: answers for an older queue are dropped
    shown: 0, // bumped per ticket shown: late evidence or history answers are dropped
    busy: false,
  };

  const isPending = (ticket) => ticket.status === PENDING;
  const current = () => queue.tickets[queue.index] || null;
  const evidenceUrl = (ticket, file) => `/api/v1/tickets/${ticket.ticket}/evidence/${file}`;

  function pickOrder() {
    const select = $("review-order");
    const stored = window.localStorage.getItem(ORDER_KEY);
    const known = Array.from(select.options).some((option) => option.value === stored);
    queue.order = known ? stored : DEFAULT_ORDER;
    select.value = queue.order;
  }

  async function loadPage() {
    const generation = queue.generation;
    const params = new URLSearchParams({
      status: PENDING,
      sort: queue.order,
      limit: String(config.page_size),
    });
    if (queue.cursor) params.set("cursor", queue.cursor);
    const { data, headers } = await api("GET", "/api/v1/tickets?" + params);
    if (generation !== queue.generation) return false;
    const known = new Set(queue.tickets.map((ticket) => ticket.ticket));
    queue.tickets.push(...data.filter((ticket) => !known.has(ticket.ticket)));
    queue.cursor = headers.get("X-Next-Cursor");
    renderList();
    return true;
  }

  // The next still-pending ticket after `from`, fetching further pages when the loaded ones
  // run out; -1 when the queue is clear.
  async function nextPending(from) {
    let start = from + 1;
    for (;;) {
      for (let i = start; i < queue.tickets.length; i++) {
        if (isPending(queue.tickets[i])) return i;
      }
      if (!queue.cursor) return -1;
      start = queue.tickets.length;
      if (!(await loadPage())) return -1;
    }
  }

  function renderList() {
    const list = $("review-list");
    list.replaceChildren(
      ...queue.tickets.map((ticket, i) =>
        element(
          "li",
          {
            class: [i === queue.index ? "current" : "", isPending(ticket) ? "" : "decided"].join(" "),
            "data-ticket": ticket.ticket,
            onclick: () => show(i),
          },
          element("strong", {}, ticket.ticket),
          " ",
          name(ticket.type),
          " ",
          element("span", { class: "badge " + ticket.priority }, label(ticket.priority)),
          isPending(ticket) ? null : element("span", { class: "badge decided" }, label(ticket.status))
        )
      )
    );
    const waiting = queue.tickets.filter(isPending).length;
    $("review-count").textContent = `${waiting} ${t("waiting")}` + (queue.cursor ? " +" : "");
    $("review-more").hidden = !queue.cursor;
    const item = list.querySelector("li.current");
    if (item) item.scrollIntoView({ block: "nearest" });
  }

  function notice(text, kind) {
    const box = $("review-notice");
    box.replaceChildren(...[].concat(text));
    box.className = "notice " + (kind || "");
    box.hidden = !text;
  }

  function renderFacts(ticket) {
    const article = $("review-ticket");
    article.dataset.ticket = ticket.ticket;
    article.dataset.status = ticket.status;
    article.classList.toggle("decided", !isPending(ticket));
    $("rt-link").textContent = ticket.ticket;
    $("rt-link").href = "/tickets/" + ticket.ticket;
    $("rt-type-title").textContent = name(ticket.type);
    $("rt-status").textContent = label(ticket.status);
    $("rt-status").className = "badge status " + ticket.status;
    $("rt-priority").textContent = label(ticket.priority);
    $("rt-priority").className = "badge " + ticket.priority;
    $("rt-camera").textContent = ticket.camera;
    $("rt-key-point").textContent = `${ticket.key_point} · ${name(ticket.category)}`;
    $("rt-type").textContent = `${name(ticket.type)} (${ticket.type})`;
    $("rt-score").textContent = ticket.score.toFixed(2);
    $("rt-priority-text").textContent = label(ticket.priority);
    $("rt-raised").textContent = formatTime(ticket.raised_at);
    $("rt-reclassify-type").value = ticket.type;
  }

  // The clip starts at the incident moment and, when it ends, jumps back there (not to 0).
  function playClip(ticket, shown) {
    const video = $("rt-video");
    let moment = 0;
    const seek = () => {
      if (video.readyState >= 1) video.currentTime = Math.min(moment, video.duration || moment);
    };
    video.onloadedmetadata = seek;
    video.onended = () => {
      seek();
      video.play().catch(() => null);
    };
    video.src = evidenceUrl(ticket, "clip.mp4");
    api("GET", evidenceUrl(ticket, "incident.json"))
      .then(({ data }) => {
        if (shown !== queue.shown) return;
        moment = Number(data.clip && data.clip.pre_roll_s) || 0;
        video.dataset.moment = String(moment);
        seek();
      })
      .catch(() => null); // no incident.json: the clip plays from its start
  }

  async function loadHistory(ticket, shown) {
    const body = $("rt-history");
    body.replaceChildren(element("tr", {}, element("td", { colspan: 5 }, t("Loading…"))));
    const params = new URLSearchParams({ key_point: ticket.key_point, sort: "-raised_at", limit: "10" });
    let rows;
    try {
      rows = (await api("GET", "/api/v1/tickets?" + params)).data;
    } catch (error) {
      rows = null;
    }
    if (shown !== queue.shown) return;
    if (rows === null) {
      body.replaceChildren(element("tr", {}, element("td", { colspan: 5, class: "error" }, t("Error"))));
      return;
    }
    const others = rows.filter((row) => row.ticket !== ticket.ticket);
    if (!others.length) {
      body.replaceChildren(element("tr", {}, element("td", { colspan: 5, class: "muted" }, t("Nothing here"))));
      return;
    }
    body.replaceChildren(...others.map(historyRow));
  }

  function historyRow(row) {
    const reason = row.state.reject_reason;
    const note = row.state.reject_note;
    return element(
      "tr",
      { "data-ticket": row.ticket },
      element("td", {}, element("a", { href: "/tickets/" + row.ticket }, row.ticket)),
      element("td", {}, name(row.type)),
      element("td", {}, element("span", { class: "badge status " + row.status }, label(row.status))),
      element("td", {}, reason ? t(reasonLabels[reason] || reason) + (note ? ` (${note})` : "") : "–"),
      element("td", {}, formatTime(row.raised_at))
    );
  }

  function showEmpty() {
    queue.index = -1;
    queue.shown += 1;
    $("review-ticket").hidden = true;
    $("review-empty").hidden = false;
    $("rt-video").removeAttribute("src");
    renderList();
  }

  function show(index) {
    const ticket = queue.tickets[index];
    if (!ticket) return showEmpty();
    queue.index = index;
    queue.shown += 1;
    closeReasons();
    notice("");
    $("rt-merge-into").value = "";
    $("review-empty").hidden = true;
    $("review-ticket").hidden = false;
    renderFacts(ticket);
    playClip(ticket, queue.shown);
    $("rt-snapshot").src = evidenceUrl(ticket, "snapshot.jpg");
    loadHistory(ticket, queue.shown);
    renderList();
  }

  // J: the next pending ticket; past the end, back to any skipped one still pending.
  async function next() {
    let index = await nextPending(queue.index);
    if (index < 0) index = queue.tickets.findIndex(isPending);
    if (index < 0) showEmpty();
    else show(index);
  }

  function previous() {
    if (queue.index > 0) show(queue.index - 1);
    else if (queue.index < 0 && queue.tickets.length) show(queue.tickets.length - 1);
  }

  function openReasons() {
    const ticket = current();
    if (!ticket) return;
    if (!isPending(ticket)) return alreadyDecided(ticket);
    $("rt-reasons").hidden = false;
    $("rt-note-label").hidden = true;
    $("rt-note").value = "";
  }

  function closeReasons() {
    $("rt-reasons").hidden = true;
    $("rt-note-label").hidden = true;
    if (document.activeElement && document.activeElement.matches("input, select")) {
      document.activeElement.blur();
    }
  }

  const reasonsOpen = () => !$("rt-reasons").hidden;

  function pickReason(position) {
    const reason = reasonCodes[position];
    if (!reason) return;
    if (reason === "other") {
      $("rt-note-label").hidden = false;
      $("rt-note").focus();
      return;
    }
    decide("reject", { reason });
  }

  function submitNote() {
    const note = $("rt-note").value.trim();
    if (!note) {
      notice(t("Reason other needs a note."), "error");
      return;
    }
    decide("reject", { reason: "other", note });
  }

  function alreadyDecided(ticket) {
    notice(`${t("Already decided")}: ${label(ticket.status)}. ${t("Press J for the next ticket.")}`);
  }

  function replaceTicket(fresh) {
    const index = queue.tickets.findIndex((ticket) => ticket.ticket === fresh.ticket);
    if (index >= 0) queue.tickets[index] = fresh;
  }

  // A ticket changed by someone else is reloaded and shown as it is now, never overwritten.
  async function showConflict(ticket, error) {
    let fresh = ticket;
    try {
      fresh = (await api("GET", "/api/v1/tickets/" + ticket.ticket)).data;
    } catch (reloadError) {
      fresh = ticket; // gone from view (another squad now?): keep what we had
    }
    replaceTicket(fresh);
    closeReasons();
    if (current() && current().ticket === fresh.ticket) renderFacts(fresh);
    renderList();
    notice(
      [
        element("strong", {}, t("Changed meanwhile by someone else; your decision was not applied.")),
        " ",
        `${t("Now")}: `,
        element("span", { class: "badge status " + fresh.status, id: "rt-conflict-status" }, label(fresh.status)),
        element("br"),
        element("small", { class: "muted" }, error.message),
      ],
      "conflict"
    );
  }

  async function decide(action, body) {
    const ticket = current();
    if (!ticket || queue.busy) return;
    if (!isPending(ticket) && action !== "merge" && action !== "reclassify") {
      return alreadyDecided(ticket);
    }
    queue.busy = true;
    try {
      const ifMatch = { "If-Match": String(ticket.state.version) };
      const { data } = await api("POST", `/api/v1/tickets/${ticket.ticket}/${action}`, body, ifMatch);
      replaceTicket(data);
      closeReasons();
      if (isPending(data)) {
        renderFacts(data);
        renderList();
        notice(`${t("Reclassified as")} ${name(data.type)}.`);
      } else {
        $("review-last").textContent = `${data.ticket}: ${label(data.status)}`;
        await next();
      }
    } catch (error) {
      if (error.status === 409) await showConflict(ticket, error);
      else notice(`${t("Error")}: ${error.message}`, "error");
    } finally {
      queue.busy = false;
    }
  }

  function merge() {
    const text = $("rt-merge-into").value.trim().toUpperCase();
    if (!text) return $("rt-merge-into").focus();
    decide("merge", { into: /^\d+$/.test(text) ? "T-" + text : text });
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (event.key === "Escape") {
      closeReasons();
      notice("");
      return;
    }
    if (target.matches && target.matches("input, select, textarea")) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (target.id === "rt-note") submitNote();
      if (target.id === "rt-merge-into") merge();
      return;
    }
    if (reasonsOpen()) {
      if (/^[1-9]$/.test(event.key)) {
        event.preventDefault(); // else the digit lands in the note field focused for "other"
        pickReason(Number(event.key) - 1);
      }
      return;
    }
    const commands = { j: next, k: previous, y: () => decide("confirm", {}), n: openReasons };
    const command = commands[event.key.toLowerCase()];
    if (command) {
      event.preventDefault();
      command();
    }
  }

  async function restart() {
    queue.generation += 1;
    queue.tickets = [];
    queue.cursor = null;
    queue.index = -1;
    $("review-list").replaceChildren();
    try {
      if (await loadPage()) await next();
    } catch (error) {
      $("review-count").textContent = `${t("Error")}: ${error.message}`;
    }
  }

  $("review-order").addEventListener("change", (event) => {
    queue.order = event.target.value;
    window.localStorage.setItem(ORDER_KEY, queue.order);
    event.target.blur(); // back to the keyboard shortcuts
    restart();
  });
  $("rt-confirm").addEventListener("click", () => decide("confirm", {}));
  $("rt-reject").addEventListener("click", openReasons);
  $("rt-reclassify").addEventListener("click", () => {
    decide("reclassify", { violation_type: $("rt-reclassify-type").value });
  });
  $("rt-merge").addEventListener("click", merge);
  for (const button of document.querySelectorAll("#rt-reasons [data-reason]")) {
    button.addEventListener("click", () => pickReason(reasonCodes.indexOf(button.dataset.reason)));
  }
  document.addEventListener("keydown", onKey);

  pickOrder();
  restart();
})();
