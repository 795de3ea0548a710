// The counselor desk: the live queue, the conversation, the actions. Every text a child wrote
// is put on the page with textContent, never as HTML. Errors are shown next to the control
// that caused them; closing and releasing are confirmed in the page (never window.confirm);
// the open conversation survives a reload (sessionStorage, this tab only). Alerts are in
// desk_alerts.js; the idle limit in session.js.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("words").textContent);
  const t = data.t, words = data.t.desk;
  const {el, clock: local} = window.Desk;
  const $ = (id) => document.getElementById(id);
  const alerts = window.deskAlerts;
  const OPEN_KEY = "desk.open";
  const PREVIEW_CHARS = 80;
  let current = null;
  let lastShown = "";  // what desk:open last told the panels: "id|status|counselor"
  let waiting = [];  // the queue as last fetched

  // the desk's errors always have a reason ("generic" when the server gave none)
  function api(method, path, body) {
    return window.Desk.api(method, path, body).catch((error) => {
      if (error.status && !error.reason) error.reason = "generic";
      throw error;
    });
  }

  function label(group, key) { return (t[group] && t[group][key]) || key || ""; }
  function minutes(seconds) { return words.waiting.replace("{n}", Math.floor(seconds / 60)); }
  function categoryName(key) { return t.categories[key] || t.readings[key] || key || ""; }
  function platformName(key) { return data.platforms[key] || t.readings[key] || key || ""; }
  function cut(text) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    return flat.length > PREVIEW_CHARS ? flat.slice(0, PREVIEW_CHARS - 1).trimEnd() + "…" : flat;
  }

  // An error next to the control that caused it (the box under it), cleared after a while.
  function errorAt(id, error) {
    const box = $(id);
    box.textContent = (error && error.message) || t.errors[(error && error.reason) || error] || t.errors.generic;
    box.hidden = false;
    clearTimeout(box.hideTimer);
    box.hideTimer = setTimeout(() => { box.hidden = true; }, 8000);
  }
  function clearError(id) { const box = $(id); if (box) box.hidden = true; }

  // An in-page confirmation: shows the box, resolves true on its "yes" button, false on "no".
  function confirmIn(name) {
    const box = $(name + "-confirm");
    box.hidden = false;
    $(name + "-yes").focus();
    return new Promise((resolve) => {
      const done = (answer) => () => { box.hidden = true; yes.onclick = no.onclick = null; resolve(answer); };
      const yes = $(name + "-yes"), no = $(name + "-no");
      yes.onclick = done(true);
      no.onclick = done(false);
    });
  }

  function item(conv, withTake) {
    const li = el("li", null, "item priority-" + conv.priority);
    li.dataset.id = conv.id;
    const head = el("button", null, "open");
    head.type = "button";
    const top = el("span", null, "row-top");
    top.append(el("strong", label("priorities", conv.priority)), " · ", label("channels", conv.channel),
      " · ", categoryName(conv.category));
    const who = [words.audiences[conv.audience] || "", conv.age_band ? label("age_bands", conv.age_band) : "",
      minutes(conv.waiting_seconds)].filter(Boolean).join(" · ");
    const facts = el("span", who, "row-facts muted");
    if (conv.returning > 0) facts.append(" ", el("span", words.returning.replace("{n}", conv.returning), "returning"));
    head.append(top, facts);
    if (conv.preview) head.append(el("span", cut(conv.preview), "preview"));
    head.addEventListener("click", () => open(conv.id).catch((error) => errorAt("queue-error", error)));
    li.append(head);
    if (withTake) {
      const take = el("button", t.queue.take, "take");
      take.type = "button";
      take.addEventListener("click", () => claim(conv.id, "queue-error"));
      li.append(take);
    }
    return li;
  }

  async function refreshQueue() {
    const since = Date.now();
    const queue = await api("GET", "queue");
    waiting = queue.items;
    $("queue").replaceChildren(...queue.items.map((c) => item(c, true)));
    $("queue-count").textContent = queue.items.length;
    $("queue-empty").hidden = queue.items.length > 0;
    alerts.waitingNow(queue.items.map((c) => c.id), since);
    const mine = await api("GET", "conversations");
    $("mine").replaceChildren(...mine.items.map((c) => item(c, false)));
    $("mine-empty").hidden = mine.items.length > 0;
    return queue.items;
  }

  function addMessage(m) {
    const li = el("li", null, "message from-" + m.from);
    li.append(el("span", t.chat.from[m.from] || m.from, "who"), el("span", m.text, "text"));
    $("messages").append(li);
    li.scrollIntoView({block: "end"});
  }

  function showWindow(conv) {
    const box = $("window-warning");
    const left = conv.window_seconds_left;
    box.hidden = left === null || left > 2 * 3600;
    box.textContent = left !== null && left <= 0 ? t.chat.window_closed : t.chat.window_warning;
  }

  async function open(id) {
    const conv = await api("GET", "conversations/" + id);
    current = conv;
    sessionStorage.setItem(OPEN_KEY, conv.id);
    alerts.seen(conv.id);
    $("chat").dataset.id = conv.id;
    $("chat-pick").hidden = true;
    $("chat-body").hidden = false;
    ["claim-error", "send-error", "actions-error", "close-error"].forEach(clearError);
    const rows = [[t.chat.priority, label("priorities", conv.priority)],
      [t.chat.channel, label("channels", conv.channel)],
      [t.chat.category, categoryName(conv.category)], [t.chat.platform, platformName(conv.platform)],
      [t.chat.links, conv.links], [t.chat.audience, label("audiences", conv.audience)],
      [t.chat.age_band, label("age_bands", conv.age_band)],
      [t.chat.window, conv.window_closes_at ? local(conv.window_closes_at) : "—"]];
    $("context").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", k), el("dd", v || "—")]));
    const history = await api("GET", "conversations/" + id + "/messages");
    $("messages").replaceChildren();
    history.items.forEach(addMessage);
    const mine = conv.status === "active" && (conv.counselor === data.me || data.supervisor);
    $("claim-bar").hidden = conv.status !== "waiting";
    $("send-form").hidden = !(conv.status === "active" && conv.counselor === data.me);
    $("actions").hidden = !mine;
    $("close-form").hidden = !mine;
    if ($("forget-bar")) $("forget-bar").hidden = !data.supervisor;
    showWindow(conv);
    const shown = [conv.id, conv.status, conv.counselor].join("|");
    if (shown !== lastShown) {  // opened, or claimed/transferred: not every refresh of the same
      lastShown = shown;
      document.dispatchEvent(new CustomEvent("desk:open", {detail: conv}));
    }
    if (mine) {
      const online = await api("GET", "counselors");
      const select = $("transfer-to");
      select.replaceChildren(el("option", t.chat.to_queue));
      select.firstChild.value = "queue";
      online.online.filter((n) => n !== data.me).forEach((name) => {
        const option = el("option", name); option.value = name; select.append(option);
      });
    }
  }

  function closeChat() {
    const was = current;
    current = null;
    lastShown = "";
    sessionStorage.removeItem(OPEN_KEY);
    ["release", "close", "forget"].forEach((name) => { const box = $(name + "-confirm"); if (box) box.hidden = true; });
    if (was) document.dispatchEvent(new CustomEvent("desk:closed", {detail: {id: was.id, case_id: was.case_id}}));
    $("chat").dataset.id = "";
    $("chat-body").hidden = true;
    $("chat-pick").hidden = false;
  }

  async function claim(id, errorBox) {
    try {
      const conv = await api("POST", "conversations/" + id + "/claim");
      alerts.seen(conv.id);
      await refreshQueue();
      await open(conv.id);
    } catch (error) {
      if (error.reason) { errorAt(errorBox, error); await refreshQueue().catch(() => {}); }
    }
  }

  $("take-next").addEventListener("click", () => claim("next", "queue-error"));
  $("claim").addEventListener("click", () => current && claim(current.id, "claim-error"));
  $("canned").addEventListener("change", (event) => {
    const chosen = data.canned[event.target.value];
    if (chosen) { $("text").value = chosen.text; }
    event.target.value = "";
  });
  $("text").addEventListener("keydown", (event) => {  // Ctrl+Enter (⌘+Enter) sends; Enter is a new line
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    }
  });
  $("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text || !current) return;
    clearError("send-error");
    try {
      await api("POST", "conversations/" + current.id + "/messages", {text: text});
      addMessage({from: "counselor", text: text});
      $("text").value = "";
    } catch (error) { errorAt("send-error", error); }
  });
  $("transfer").addEventListener("click", async () => {
    try {
      await api("POST", "conversations/" + current.id + "/transfer", {to: $("transfer-to").value});
      closeChat(); await refreshQueue();
    } catch (error) { errorAt("actions-error", error); }
  });
  $("release").addEventListener("click", async () => {
    if (!current || !(await confirmIn("release")) || !current) return;
    try { await api("POST", "conversations/" + current.id + "/release"); closeChat(); await refreshQueue(); }
    catch (error) { errorAt("actions-error", error); }
  });
  if ($("forget")) {  // supervisors only (the server checks): a person's request
    $("forget").addEventListener("click", async () => {
      if (!current || !(await confirmIn("forget")) || !current) return;
      try {
        await api("POST", "conversations/" + current.id + "/forget", {confirm: true});
        closeChat(); await refreshQueue(); $("forget-done").hidden = false;
      } catch (error) { errorAt("forget-error", error); }
    });
  }
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const categories = form.getAll("categories");
    if (!categories.length) { errorAt("close-error", {message: t.close.need_category}); return; }
    clearError("close-error");
    if (!(await confirmIn("close")) || !current) return;
    try {
      const referTo = form.get("refer_to");
      await api("POST", "conversations/" + current.id + "/close", {categories: categories,
        type: form.get("type"), action: form.get("action") || "", summary: form.get("summary") || "",
        referred: referTo ? [Number(referTo)] : []});
      event.target.reset(); closeChat(); await refreshQueue();
    } catch (error) { errorAt("close-error", error); }
  });

  // A new urgent child without the server's own alert: its priority from the queue.
  async function arrived(id) {
    const items = await refreshQueue();
    const found = items.find((c) => String(c.id) === String(id));
    if (found) alerts.raise({id: found.id, priority: found.priority, reason: "new", channel: found.channel}, false);
  }

  function onAlert(update) {
    const known = waiting.find((c) => String(c.id) === String(update.id));
    const showing = Boolean(current && String(current.id) === String(update.id) && document.visibilityState === "visible");
    alerts.raise({id: update.id, priority: update.priority, reason: update.reason,
      channel: update.channel || (known && known.channel)}, showing);
  }

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/console/ws");
    socket.addEventListener("open", () => {  // a mute set while the socket was down
      document.body.dataset.live = "on";
      api("GET", "desk").then((desk) => alerts.setMuted(desk.muted)).catch(() => {});
    });
    socket.addEventListener("message", (event) => {
      const update = JSON.parse(event.data);
      if (update.type === "alert") onAlert(update);
      else if (update.type === "desk" && update.counselor === data.me) alerts.setMuted(update.muted);
      else if (update.type === "message" && current && update.id === current.id) {
        if (!(update.from === "counselor" && update.counselor === data.me)) addMessage(update);
      } else if (update.type === "window" && current && update.id === current.id) {
        current.window_seconds_left = Math.floor((update.closes_at - Date.now()) / 1000);
        showWindow(current);
      }
      if (update.type === "queue" && update.new) arrived(update.id).catch(() => {});
      else if (update.type === "queue" || update.type === "conversation") refreshQueue().catch(() => {});
      if (update.type === "conversation" && current && update.id === current.id) {
        const gone = ["closed", "released", "forgotten"].includes(update.status) ||
          (update.counselor !== undefined && update.counselor !== data.me && !data.supervisor);
        if (gone) closeChat(); else open(current.id).catch(() => {});
      }
    });
    socket.addEventListener("close", () => { document.body.dataset.live = "off"; setTimeout(connect, 2000); });
  }

  alerts.onOpen = (id) => open(id).catch(() => {});
  refreshQueue().catch(() => {});
  const reopen = sessionStorage.getItem(OPEN_KEY);  // kept across a reload, if still ours to see
  if (reopen) open(reopen).catch(() => { if (!current) sessionStorage.removeItem(OPEN_KEY); });
  setInterval(() => refreshQueue().catch(() => {}), 15000);
  setInterval(() => { if (current) showWindow(current); }, 30000);
  connect();
})();
