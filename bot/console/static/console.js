// The counselor desk: the live queue, the conversation, the actions. Every text a child wrote
// is put on the page with textContent, never as HTML.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("words").textContent);
  const t = data.t;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  let current = null;

  async function api(method, path, body) {
    const response = await fetch("/console/api/" + path, {
      method: method,
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/console/login?expired"; throw new Error("login"); }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) { throw Object.assign(new Error(json.error || "error"), {reason: json.error}); }
    return json;
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function label(group, key) { return (t[group] && t[group][key]) || key || ""; }
  function minutes(seconds) { return Math.floor(seconds / 60) + " phút"; }
  function categoryName(key) { return t.categories[key] || t.readings[key] || key || ""; }
  function platformName(key) { return data.platforms[key] || t.readings[key] || key || ""; }

  function showError(reason) {
    const box = $("chat-error");
    box.textContent = t.errors[reason] || t.errors.generic;
    box.hidden = false;
    setTimeout(() => { box.hidden = true; }, 6000);
  }

  function item(conv, withTake) {
    const li = el("li", null, "item priority-" + conv.priority);
    li.dataset.id = conv.id;
    const head = el("button", null, "open");
    head.type = "button";
    head.append(el("strong", label("priorities", conv.priority)), " · ",
      label("channels", conv.channel), " · ", categoryName(conv.category));
    head.append(el("span", " (" + t.queue.waiting_for + " " + minutes(conv.waiting_seconds) + ")", "muted"));
    head.addEventListener("click", () => open(conv.id));
    li.append(head);
    if (withTake) {
      const take = el("button", t.queue.take, "take");
      take.type = "button";
      take.addEventListener("click", () => claim(conv.id));
      li.append(take);
    }
    return li;
  }

  async function refreshQueue() {
    const queue = await api("GET", "queue");
    $("queue").replaceChildren(...queue.items.map((c) => item(c, true)));
    $("queue-count").textContent = queue.items.length;
    $("queue-empty").hidden = queue.items.length > 0;
    const mine = await api("GET", "conversations");
    $("mine").replaceChildren(...mine.items.map((c) => item(c, false)));
    $("mine-empty").hidden = mine.items.length > 0;
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
    $("chat").dataset.id = conv.id;
    $("chat-pick").hidden = true;
    $("chat-body").hidden = false;
    const context = $("context");
    const rows = [[t.chat.priority, label("priorities", conv.priority)],
      [t.chat.channel, label("channels", conv.channel)],
      [t.chat.category, categoryName(conv.category)], [t.chat.platform, platformName(conv.platform)],
      [t.chat.links, conv.links], [t.chat.audience, label("audiences", conv.audience)],
      [t.chat.age_band, label("age_bands", conv.age_band)],
      [t.chat.window, conv.window_closes_at || "—"]];
    context.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", k), el("dd", v || "—")]));
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
    document.dispatchEvent(new CustomEvent("desk:open", {detail: conv}));
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
    if (was) document.dispatchEvent(new CustomEvent("desk:closed", {detail: {id: was.id, case_id: was.case_id}}));
    $("chat").dataset.id = "";
    $("chat-body").hidden = true;
    $("chat-pick").hidden = false;
  }

  async function claim(id) {
    try {
      const conv = await api("POST", "conversations/" + id + "/claim");
      await refreshQueue();
      await open(conv.id);
    } catch (error) { if (error.reason) { await refreshQueue(); alert(t.errors[error.reason] || t.errors.generic); } }
  }

  $("take-next").addEventListener("click", () => claim("next"));
  $("claim").addEventListener("click", () => current && claim(current.id));
  $("canned").addEventListener("change", (event) => {
    const chosen = data.canned[event.target.value];
    if (chosen) { $("text").value = chosen.text; }
    event.target.value = "";
  });
  $("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text || !current) return;
    try {
      await api("POST", "conversations/" + current.id + "/messages", {text: text});
      addMessage({from: "counselor", text: text});
      $("text").value = "";
    } catch (error) { showError(error.reason); }
  });
  $("transfer").addEventListener("click", async () => {
    try {
      await api("POST", "conversations/" + current.id + "/transfer", {to: $("transfer-to").value});
      closeChat(); await refreshQueue();
    } catch (error) { showError(error.reason); }
  });
  $("release").addEventListener("click", async () => {
    try { await api("POST", "conversations/" + current.id + "/release"); closeChat(); await refreshQueue(); }
    catch (error) { showError(error.reason); }
  });
  async function forget() {  // supervisors only (the server checks): a person's request
    if (!current || !window.confirm(t.forget.confirm)) return;
    try {
      await api("POST", "conversations/" + current.id + "/forget", {confirm: true});
      closeChat(); await refreshQueue(); alert(t.forget.done);
    } catch (error) { showError(error.reason); }
  }
  if ($("forget")) $("forget").addEventListener("click", forget);
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const categories = form.getAll("categories");
    if (!categories.length) { showError(""); $("chat-error").textContent = t.close.need_category; return; }
    try {
      await api("POST", "conversations/" + current.id + "/close", {categories: categories,
        type: form.get("type"), action: form.get("action") || "", summary: form.get("summary") || ""});
      event.target.reset(); closeChat(); await refreshQueue();
    } catch (error) { showError(error.reason); }
  });

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/console/ws");
    socket.addEventListener("message", (event) => {
      const update = JSON.parse(event.data);
      if (update.type === "message" && current && update.id === current.id) {
        if (!(update.from === "counselor" && update.counselor === data.me)) addMessage(update);
      } else if (update.type === "window" && current && update.id === current.id) {
        current.window_seconds_left = Math.floor((update.closes_at - Date.now()) / 1000);
        showWindow(current);
      }
      if (update.type === "queue" || update.type === "conversation") {
        refreshQueue().catch(() => {});
        if (current && update.id === current.id && update.type === "conversation") {
          const gone = ["closed", "released", "forgotten"].includes(update.status) ||
            (update.counselor !== undefined && update.counselor !== data.me && !data.supervisor);
          if (gone) closeChat(); else open(current.id).catch(() => {});
        }
      }
    });
    socket.addEventListener("close", () => setTimeout(connect, 2000));
  }

  refreshQueue().catch(() => {});
  setInterval(() => refreshQueue().catch(() => {}), 15000);
  setInterval(() => { if (current) showWindow(current); }, 30000);
  connect();
})();
