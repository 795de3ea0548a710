// The supervisor's live view: counts, who waits and for how long, who holds what, who is
// online, and each desk's alert sound (muted from here). Refreshed on every live update and
// every 10 s (waiting times grow); all times in Vietnam's time, whatever the computer's zone.
"use strict";
(function () {
  const t = JSON.parse(document.getElementById("words").textContent).t;
  const words = t.desk.supervisor;
  const {api, clock: local} = window.Desk;
  const $ = (id) => document.getElementById(id);
  let view = null, pending = null;

  function minutes(seconds) { return Math.floor(seconds / 60) + " phút"; }

  function row(cells) {
    const tr = document.createElement("tr");
    cells.forEach((cell) => {
      const td = document.createElement("td");
      if (cell instanceof Node) td.append(cell); else td.textContent = String(cell);
      tr.append(td);
    });
    return tr;
  }
  function rows(id, items, width, make) {
    const body = $(id).tBodies[0];
    if (!items.length) {
      const empty = row([t.supervisor.nobody]);
      empty.firstChild.colSpan = width; empty.firstChild.className = "muted";
      body.replaceChildren(empty);
    } else body.replaceChildren(...items.map(make));
  }

  function muteButton(desk) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "mute";
    button.textContent = desk.muted ? words.unmute : words.mute;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api("POST", "desks/" + encodeURIComponent(desk.username) + "/mute", {muted: !desk.muted});
        await refresh();
      } catch (error) {
        const box = $("supervisor-error");
        box.textContent = error.message || t.errors[error.reason] || t.errors.generic;
        box.hidden = false;
        button.disabled = false;
      }
    });
    return button;
  }

  function show(v) {
    view = v;
    $("queue-length").textContent = v.queue_length;
    Object.entries(v.waiting_by_priority).forEach(([key, n]) => { const cell = $("waiting-" + key); if (cell) cell.textContent = n; });
    $("active-count").textContent = v.active_count;
    $("longest-wait").textContent = minutes(v.longest_wait_seconds);
    $("online-count").textContent = v.online.length;
    const online = v.online.map((name) => { const li = document.createElement("li"); li.textContent = name; return li; });
    if (!online.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = t.supervisor.nobody; online.push(li); }
    $("online").replaceChildren(...online);
    rows("waiting", v.waiting, 5, (w) => row([w.id, t.priorities[w.priority] || w.priority,
      t.channels[w.channel] || w.channel, local(w.since), minutes(w.waiting_seconds)]));
    rows("in-progress", v.in_progress, 6, (a) => row([a.id, a.counselor, t.channels[a.channel] || a.channel,
      t.priorities[a.priority] || a.priority, local(a.since), minutes(a.held_seconds)]));
    rows("desks", v.desks, 4, (d) => {
      const tr = row([d.username, d.holds.join(", "), d.muted ? words.muted : words.sound_on, muteButton(d)]);
      tr.dataset.username = d.username;
      return tr;
    });
    $("updated").textContent = local(new Date().toISOString());
  }

  async function refresh() { show(await api("GET", "supervisor")); }
  function soon() {  // a burst of live updates makes one refresh
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh().catch(() => {}); }, 200);
  }

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/console/ws");
    socket.addEventListener("open", () => { document.body.dataset.live = "on"; soon(); });
    socket.addEventListener("message", (event) => {
      const update = JSON.parse(event.data);
      if (["queue", "conversation", "presence", "desk", "alert"].includes(update.type)) soon();
    });
    socket.addEventListener("close", () => setTimeout(connect, 2000));
  }

  refresh().catch(() => {});
  setInterval(() => refresh().catch(() => {}), 10000);
  connect();
  window.supervisorView = () => view;
})();
