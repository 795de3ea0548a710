// Web chat: send what the child types or taps, show the whole conversation (both sides, kept
// by the server, so a reload shows it again). Message text is untrusted: it only ever reaches
// the page as text nodes (never innerHTML); 111, 113 and 115 become tel: links. Every word the
// page shows comes from content/vi/webchat.yml, through the data-* attributes of #words.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), bar = $("buttons"), form = $("composer"), input = $("text");
  var error = $("error"), counter = $("counter"), talking = $("talking");
  var words = $("words").dataset;
  var MAX = parseInt(words.maxText, 10) || 2000;
  var CHAT_ID = /^[0-9a-f]{32}$/;
  var NUMBERS = /(^|[^0-9])(111|113|115)(?![0-9])/g;
  var REASONS = { too_long: "tooLong", too_many_requests: "rateLimited", busy: "busy",
                  unavailable: "unavailable" };
  // The server issues the chat id (POST /chat/api/chats); an id it does not know is refused.
  var chatId = localStorage.getItem("chat_id") || "";
  var seen = 0;  // history items on screen
  var mine = {};  // ids of the child's lines shown before the server had them
  var shownError = "";

  // --- quick exit: away at once, and Back does not return here -----------------------------
  function leave() {
    document.body.textContent = "";
    window.location.replace(words.exitUrl);
  }
  $("quick-exit").addEventListener("click", leave);
  var lastEscape = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1500) leave(); else lastEscape = now;
  });

  // --- errors, always in Vietnamese ---------------------------------------------------------
  function fail(key) {
    shownError = key;
    error.textContent = "";
    fill(error, words[key] || words.error, true);  // "gọi 111" is one tap away here too
    error.hidden = false;
  }
  function clear() { shownError = ""; error.hidden = true; }
  function failFor(r) {
    if (r.status === 429) return fail("rateLimited");
    if (r.status === 413) return fail("tooLong");
    return r.json().then(function (body) { fail(REASONS[body && body.error] || "error"); },
                         function () { fail(r.status >= 500 ? "unavailable" : "error"); });
  }

  // --- messages -----------------------------------------------------------------------------
  function fill(node, text, links) {
    if (!links) { node.textContent = text; return; }
    var at = 0, match;
    NUMBERS.lastIndex = 0;
    while ((match = NUMBERS.exec(text)) !== null) {
      var start = match.index + match[1].length;
      node.appendChild(document.createTextNode(text.slice(at, start)));
      var a = document.createElement("a");
      a.href = "tel:" + match[2];
      a.textContent = match[2];
      node.appendChild(a);
      at = start + match[2].length;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
  }

  function show(text, who) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    if (who === "counselor") {
      var label = document.createElement("span");
      label.className = "who";
      label.textContent = words.counselorLabel;
      div.appendChild(label);
    }
    var body = document.createElement("span");
    body.className = "text";
    fill(body, String(text), who !== "me" && who !== "note");
    div.appendChild(body);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function render(item) {
    if (item.from === "child") {
      bar.textContent = "";
      if (item.id && mine[item.id]) { delete mine[item.id]; return; }
      show(item.text, "me");
      return;
    }
    show(item.text, item.from === "counselor" ? "counselor" : "bot");
    offer(item.buttons || []);
  }

  function offer(buttons) {
    bar.textContent = "";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        if (b.payload === "DELETE_CHAT") { forget(); return; }
        say(b.title, { payload: b.payload, title: b.title });
      });
      bar.appendChild(button);
    });
  }

  function speaking(who) {
    talking.textContent = talking.dataset[who] || talking.dataset.bot;
    document.body.classList.toggle("with-counselor", who === "counselor");
  }

  // --- the server -----------------------------------------------------------------------------
  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  function openChat() {
    return fetch("/chat/api/chats", { method: "POST" }).then(function (r) {
      if (!r.ok) return Promise.resolve(failFor(r)).then(function () { throw new Error("refused"); });
      return r.json().then(function (data) {
        chatId = data.chat_id;
        seen = 0;
        localStorage.setItem("chat_id", chatId);
        return send({ start: true });
      });
    });
  }

  function send(body) {
    body.chat_id = chatId;
    body.id = body.id || newId();
    return fetch("/chat/api/messages", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function post(body) {
    var sent = CHAT_ID.test(chatId) ? send(body) : Promise.resolve({ status: 403 });
    return sent
      .then(function (r) {  // an unknown or expired chat: a new one, then the message again
        return r.status === 403 ? openChat().then(function () { return send(body); }) : r;
      })
      .then(function (r) { return r.ok ? clear() : failFor(r); },
            function () { if (!shownError) fail("unavailable"); });
  }

  function say(shown, body) {
    body.id = newId();
    mine[body.id] = true;
    bar.textContent = "";
    show(shown, "me");
    clear();
    return post(body);
  }

  function forget() {
    var old = chatId;
    chatId = "";
    seen = 0;
    mine = {};
    localStorage.removeItem("chat_id");
    log.textContent = "";
    bar.textContent = "";
    speaking("bot");
    if (!CHAT_ID.test(old)) { show(words.deleted, "note"); return Promise.resolve(); }
    return fetch("/chat/api/chats/" + old, { method: "DELETE" }).then(function (r) {
      if (!r.ok) return failFor(r);
      clear();
      show(words.deleted, "note");
    }, function () { fail("unavailable"); });
  }

  function poll() {
    if (!CHAT_ID.test(chatId)) { setTimeout(poll, 800); return; }
    var asked = chatId, more = false;
    fetch("/chat/api/history?chat_id=" + asked + "&after=" + seen)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || asked !== chatId) return;
        data.items.forEach(render);
        seen += data.items.length;
        more = data.items.length >= 200;
        speaking(data.talking);
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, more ? 0 : 800); });
  }

  // --- the composer: a visible limit, Enter sends, Shift+Enter is a new line ------------------
  function count() {
    var length = input.value.length;
    counter.textContent = length + "/" + MAX;
    counter.classList.toggle("full", length >= MAX);
    if (length >= MAX) fail("tooLong");
    else if (shownError === "tooLong") clear();
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }
  input.addEventListener("input", count);
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (text.length > MAX) { fail("tooLong"); return; }
    input.value = "";
    count();
    say(text, { text: text });
  });
  $("delete").addEventListener("click", forget);

  if (!CHAT_ID.test(chatId)) {
    openChat().then(function (r) { return r.ok ? clear() : failFor(r); },
                    function () { if (!shownError) fail("unavailable"); });
  }
  poll();
})();
