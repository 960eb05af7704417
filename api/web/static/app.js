// Shared by every page: texts, names, and JSON calls to the API that carry the CSRF token.
"use strict";
(function () {
  const context = JSON.parse(document.getElementById("so-context").textContent);

  // English text → the page's language; a code (pending_review, urgent…) → its name.
  function t(text) {
    return context.texts[text] || context.names[text] || text;
  }

  function name(code) {
    return context.names[code] || t(code);
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(method, url, body, extraHeaders) {
    const headers = { Accept: "application/json", ...(extraHeaders || {}) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && context.csrf) headers["X-CSRF-Token"] = context.csrf;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
      throw new ApiError(401, "log in first");
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && data.detail;
      throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return { data, headers: response.headers };
  }

  function formatTime(iso) {
    if (!iso) return "–";
    const locale = context.language === "zh-CN" ? "zh-CN" : "en-GB";
    return new Date(iso).toLocaleString(locale, { timeZone: "Asia/Shanghai", hour12: false });
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      await api("POST", "/api/v1/auth/logout").catch(() => null);
      window.location.href = "/login";
    });
  }
  const page = document.body.dataset.page;
  const current = document.querySelector(`[data-nav="${page}"]`);
  if (current) current.classList.add("current");

  window.SO = { context, t, name, api, ApiError, formatTime, element };
})();
