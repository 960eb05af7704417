// The dashboard: fetch /api/v1/stats for a range of Shanghai days and draw it as inline SVG
// charts (no chart library: the machines have no internet) and plain tables.
"use strict";
(function () {
  const { t, name, api, element } = window.SO;
  const SVG = "http://www.w3.org/2000/svg";
  const SERIES = [
    ["detected", "Detected"],
    ["confirmed", "Confirmed"],
    ["rejected", "Rejected"],
  ];
  const form = document.getElementById("dashboard-range");
  const fromInput = document.getElementById("range-from");
  const toInput = document.getElementById("range-to");
  const errorLine = document.getElementById("dashboard-error");
  const statusLine = document.getElementById("dashboard-status");

  // --- formatting -------------------------------------------------------------------------
  function percent(value) {
    return value === null ? "–" : `${Math.round(value * 100)}%`;
  }

  function hours(value) {
    // Two decimals below ten hours: a 15-minute review reads 0.25, not a rounded 0.3.
    if (value === null) return "–";
    return `${value.toFixed(value < 10 ? 2 : 1)} ${t("hours")}`;
  }

  function cameraType(row) {
    return `${row.camera} · ${name(row.type)}`;
  }

  // --- SVG drawing ------------------------------------------------------------------------
  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function chartFrame(label, width, height) {
    // <title> first: screen readers announce it as the chart's name.
    return svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-label": label },
      svg("title", {}, label),
    );
  }

  function emptyNote(chart, width, height) {
    chart.append(
      svg("text", { x: width / 2, y: height / 2, class: "empty", "text-anchor": "middle" },
        t("No tickets in this range")),
    );
  }

  function scaleFor(max) {
    // Whole-ticket steps, about four grid lines whatever the maximum.
    const step = Math.max(1, Math.ceil(max / 4));
    return { step, top: Math.max(step, step * Math.ceil(max / step)) };
  }

  // Grouped vertical bars: one group per entry, one bar per series; zero draws no bar.
  function barChart(label, groups, series, options) {
    const width = 640, height = 250, left = 34, right = 8, top = 10, bottom = 44;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const chart = chartFrame(label, width, height);
    const values = groups.flatMap((group) => series.map(([key]) => group.values[key]));
    const total = values.reduce((sum, value) => sum + value, 0);
    const scale = scaleFor(Math.max(0, ...values));
    for (let tick = 0; tick <= scale.top; tick += scale.step) {
      const y = top + plotHeight - (tick / scale.top) * plotHeight;
      chart.append(svg("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }));
      chart.append(svg("text", { x: left - 4, y: y + 4, class: "tick", "text-anchor": "end" }, tick));
    }
    const groupWidth = plotWidth / Math.max(1, groups.length);
    const barWidth = Math.min(28, (groupWidth * 0.8) / series.length);
    const labelEvery = Math.ceil(groups.length / (options.maxLabels || groups.length || 1));
    groups.forEach((group, index) => {
      const start = left + index * groupWidth + (groupWidth - barWidth * series.length) / 2;
      series.forEach(([key, text], position) => {
        const value = group.values[key];
        if (value <= 0) return;
        const barHeight = (value / scale.top) * plotHeight;
        const bar = svg("rect", {
          x: start + position * barWidth, y: top + plotHeight - barHeight,
          width: Math.max(1, barWidth - 1), height: barHeight, class: `bar ${key}`,
        });
        bar.append(svg("title", {}, `${group.label} · ${t(text)}: ${value}`));
        chart.append(bar);
      });
      if (index % labelEvery === 0) {
        const x = left + (index + 0.5) * groupWidth;
        chart.append(svg("text", { x, y: height - bottom + 16, class: "label", "text-anchor": "middle" },
          group.short || group.label));
      }
    });
    if (total === 0) emptyNote(chart, width, height - bottom);
    return chart;
  }

  // Horizontal precision bars (0–100%) per camera × type, with confirmed/reviewed beside.
  function precisionChart(label, rows) {
    const width = 640, left = 190, right = 90, row = 24, top = 8, bottom = 22;
    const height = top + Math.max(1, rows.length) * row + bottom;
    const plotWidth = width - left - right;
    const chart = chartFrame(label, width, height);
    for (const share of [0, 0.5, 1]) {
      const x = left + share * plotWidth;
      chart.append(svg("line", { x1: x, x2: x, y1: top, y2: height - bottom, class: "grid" }));
      chart.append(svg("text", { x, y: height - 6, class: "tick", "text-anchor": "middle" }, percent(share)));
    }
    rows.forEach((entry, index) => {
      const y = top + index * row;
      chart.append(svg("text", { x: left - 6, y: y + 16, class: "label", "text-anchor": "end" }, cameraType(entry)));
      const share = entry.precision;
      if (share !== null && share > 0) {
        const bar = svg("rect", { x: left, y: y + 4, width: share * plotWidth, height: row - 8, class: "bar precision" });
        bar.append(svg("title", {}, `${cameraType(entry)} · ${t("Precision")}: ${percent(share)} (${entry.confirmed}/${entry.reviewed})`));
        chart.append(bar);
      }
      const note = `${percent(share)} (${entry.confirmed}/${entry.reviewed})`;
      const x = left + (share || 0) * plotWidth + 6;
      chart.append(svg("text", { x, y: y + 16, class: "value" }, note));
    });
    if (rows.length === 0) emptyNote(chart, width, height - bottom);
    return chart;
  }

  // --- tables -----------------------------------------------------------------------------
  function table(headers, rows) {
    if (rows.length === 0) return element("p", { class: "muted" }, t("No tickets in this range"));
    return element("table", { class: "list numbers" },
      element("thead", {}, element("tr", {}, headers.map((text) => element("th", {}, t(text))))),
      element("tbody", {}, rows.map((cells) => element("tr", {}, cells.map((cell) => element("td", {}, cell))))));
  }

  const COUNT_HEADERS = ["Detected", "Confirmed", "Rejected", "Reviewed", "Precision"];

  function countCells(entry) {
    return [entry.detected, entry.confirmed, entry.rejected, entry.reviewed, percent(entry.precision)];
  }

  function fill(id, content) {
    document.getElementById(id).replaceChildren(content);
  }

  // --- the page ---------------------------------------------------------------------------
  function summary(stats) {
    const items = [
      ["detected", "Detected", stats.totals.detected],
      ["confirmed", "Confirmed", stats.totals.confirmed],
      ["rejected", "Rejected", stats.totals.rejected],
      ["precision", "Precision", percent(stats.totals.precision)],
      ["to_confirm", "Time to confirm", hours(stats.times.to_confirm.median_h)],
      ["to_rectify", "Time to rectify", hours(stats.times.to_rectify.median_h)],
    ];
    return element("dl", {}, items.map(([key, text, value]) =>
      element("div", { class: "stat", "data-stat": key },
        element("dt", {}, t(text) + (key.startsWith("to_") ? ` (${t("Median")})` : "")),
        element("dd", {}, value))));
  }

  function draw(stats) {
    const squads = stats.per_squad.map((s) => ({ label: s.name, values: s }));
    const types = stats.per_type.map((s) => ({ label: name(s.type), values: s }));
    const days = stats.per_day.map((d) => ({ label: d.day, short: d.day.slice(5), values: d }));
    fill("dashboard-summary", summary(stats));
    fill("chart-squad", barChart(t("Per squad"), squads, SERIES, {}));
    fill("chart-type", barChart(t("Per type"), types, SERIES, {}));
    fill("chart-precision", precisionChart(t("Precision per camera and type"), stats.per_camera_type));
    fill("chart-day", barChart(t("Detected per day"), days, [SERIES[0]], { maxLabels: 10 }));
    fill("table-squad", table(["Squad", ...COUNT_HEADERS], stats.per_squad.map((s) => [s.name, ...countCells(s)])));
    fill("table-type", table(["Type", ...COUNT_HEADERS], stats.per_type.map((s) => [name(s.type), ...countCells(s)])));
    fill("table-precision", table(["Camera", "Type", ...COUNT_HEADERS],
      stats.per_camera_type.map((s) => [s.camera, name(s.type), ...countCells(s)])));
    const times = [["Time to confirm", stats.times.to_confirm], ["Time to rectify", stats.times.to_rectify]];
    fill("table-times", table(["", "Tickets measured", "Median", "p90"],
      times.map(([text, d]) => [t(text), d.count, hours(d.median_h), hours(d.p90_h)])));
    fill("table-day", table(["Day", "Detected", "Confirmed", "Rejected"],
      stats.per_day.map((d) => [d.day, d.detected, d.confirmed, d.rejected])));
  }

  function rangeInUrl() {
    const query = new URLSearchParams(window.location.search);
    return { from: query.get("from"), to: query.get("to") };
  }

  async function load(range) {
    const query = new URLSearchParams();
    if (range.from) query.set("from", range.from);
    if (range.to) query.set("to", range.to);
    statusLine.textContent = t("Loading…");
    // Shown as asked until the answer names the range (a refused one stays there to fix).
    if (range.from) fromInput.value = range.from;
    if (range.to) toInput.value = range.to;
    try {
      const { data } = await api("GET", `/api/v1/stats?${query}`);
      errorLine.hidden = true;
      fromInput.value = data.from_day;
      toInput.value = data.to_day;
      draw(data);
      statusLine.textContent = `${data.from_day} – ${data.to_day}`;
      document.getElementById("dashboard-page").dataset.loaded = `${data.from_day}/${data.to_day}`;
    } catch (error) {
      if (!(error instanceof window.SO.ApiError)) throw error;
      errorLine.textContent = `${t("Error")}: ${error.message}`;
      errorLine.hidden = false;
      statusLine.textContent = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const range = { from: fromInput.value, to: toInput.value };
    // The range goes into the address so the view can be bookmarked, without a reload.
    const query = new URLSearchParams(range);
    window.history.pushState(range, "", `${window.location.pathname}?${query}`);
    load(range);
  });
  window.addEventListener("popstate", () => load(rangeInUrl()));
  load(rangeInUrl());
})();
