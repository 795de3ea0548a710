// The login's idle limit, on every console page: only what the person does keeps it (a key, a
// click, the wheel; the desk's actions do too, on the server), never the desk's own polling or
// websocket. A minute before the end the page says so, with a button to keep working; the
// server is asked first, so work done in another tab counts.
"use strict";
(function () {
  const box = document.getElementById("idle-warning");
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (!box || !meta) return;
  const text = document.getElementById("idle-text");
  const more = document.getElementById("idle-continue");
  const WARN_MS = 60000;
  let endsAt = Infinity, idleMs = 30 * 60000, lastPing = Date.now(), pinging = false, timer = null;

  async function call(method, path) {
    const response = await fetch("/console/api/" + path, {
      method: method, headers: {"X-CSRF-Token": meta.content}, credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/console/login?expired"; throw new Error("login"); }
    if (!response.ok) throw new Error("status " + response.status);
    return response.json();
  }

  function hide() { box.hidden = true; }

  function show(lifetime) {
    text.textContent = lifetime ? text.dataset.lifetime : text.dataset.idle;
    more.hidden = lifetime;
    box.hidden = false;
  }

  function learn(left) {
    idleMs = left.idle_seconds * 1000;
    endsAt = Date.now() + left.idle_seconds_left * 1000;
    clearTimeout(timer);
    timer = setTimeout(check, Math.min(Math.max(0, endsAt - WARN_MS - Date.now()), 2 ** 31 - 1));
  }

  async function check() {
    let left;
    try { left = await call("GET", "session"); }
    catch (error) { timer = setTimeout(check, 5000); return; }
    if (left.idle_seconds_left * 1000 > WARN_MS + 1000) { hide(); learn(left); return; }
    endsAt = Date.now() + left.idle_seconds_left * 1000;
    show(left.lifetime_seconds_left <= left.idle_seconds_left);
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1000, endsAt - Date.now() + 500));  // then: 401, login page
  }

  async function ping() {
    if (pinging) return;
    pinging = true;
    lastPing = Date.now();
    try { const left = await call("POST", "activity"); hide(); learn(left); }
    catch (error) { /* the next check tells */ }
    finally { pinging = false; }
  }

  function active() {
    if (!box.hidden || Date.now() - lastPing >= Math.min(60000, idleMs / 4)) ping();
  }

  ["keydown", "pointerdown", "wheel"].forEach((kind) =>
    document.addEventListener(kind, active, {capture: true, passive: true}));
  more.addEventListener("click", ping);
  window.deskSession = {check: check};
  check();
})();
