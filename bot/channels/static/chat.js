// Web chat: send what the person types or taps, poll for the bot's replies. Text is always
// set with textContent, never as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var bar = document.getElementById("buttons");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var error = document.getElementById("error");
  // The server issues the chat id (POST /chat/api/chats); an id it does not know is refused.
  var chatId = localStorage.getItem("chat_id") || "";
  var seen = 0;

  function openChat() {
    return fetch("/chat/api/chats", { method: "POST" })
      .then(function (r) { if (!r.ok) throw new Error("busy"); return r.json(); })
      .then(function (data) {
        chatId = data.chat_id;
        seen = 0;
        localStorage.setItem("chat_id", chatId);
        return send({ start: true });
      });
  }

  function show(text, who) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function offer(buttons) {
    bar.textContent = "";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { show(b.title, "me"); post({ payload: b.payload }); });
      bar.appendChild(button);
    });
  }

  function send(body) {
    body.chat_id = chatId;
    body.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    return fetch("/chat/api/messages", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function post(body) {
    bar.textContent = "";
    var sent = /^[0-9a-f]{32}$/.test(chatId) ? send(body) : Promise.resolve({ status: 403 });
    return sent
      .then(function (r) {  // an unknown or expired chat: a new one, then the message again
        return r.status === 403 ? openChat().then(function () { return send(body); }) : r;
      })
      .then(function (r) { error.hidden = r.ok; }, function () { error.hidden = false; });
  }

  function poll() {
    if (!chatId) { setTimeout(poll, 800); return; }
    fetch("/chat/api/messages?chat_id=" + chatId + "&after=" + seen)
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        data.items.forEach(function (item) { show(item.text, "bot"); offer(item.buttons || []); });
        seen += data.items.length;
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 800); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    show(text, "me");
    input.value = "";
    post({ text: text });
  });

  if (!/^[0-9a-f]{32}$/.test(chatId)) {
    openChat().then(function (r) { error.hidden = r.ok; }, function () { error.hidden = false; });
  }
  poll();
})();
