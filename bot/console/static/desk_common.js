// What every desk script needs, defined once on window.Desk: `api` (the console's JSON API
// with the page's CSRF token; a lapsed login goes to the login page), `el` (a node whose
// text goes in with textContent, never as HTML), and Vietnam's time whatever the computer's
// zone (`when`: a short date and time; `clock`: "HH:MM dd/mm"). Loaded before the others.
"use strict";
window.Desk = (function () {
  // An answer that is not ok throws an Error with the server's reason, message, detail and
  // the HTTP status; `raw` hands back an ok response as it is (a package download).
  async function api(method, path, body, options) {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch("/console/api/" + path, {
      method: method,
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/console/login?expired"; throw new Error("login"); }
    if (response.ok && options && options.raw) return response;
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw Object.assign(new Error(json.error || "error"),
        {reason: json.error, message: json.message, detail: json.detail, status: response.status});
    }
    return json;
  }

  function el(tag, text, cls, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("vi-VN", {timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short"});
  }

  const hhmm = new Intl.DateTimeFormat("vi-VN", {timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit",
    minute: "2-digit", day: "2-digit", month: "2-digit", hourCycle: "h23"});
  function clock(iso) {
    const parts = Object.fromEntries(hhmm.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return parts.hour + ":" + parts.minute + " " + parts.day + "/" + parts.month;
  }

  return {api: api, el: el, when: when, clock: clock};
})();
