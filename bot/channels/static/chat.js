// Web chat: send what the person types or taps, poll for the bot's replies. Text is always
// set with textContent, never as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var bar = document.getElementById("buttons");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var error = document.getElementById("error");
  var chatId = localStorage.getItem("chat_id");
  if (!/^[0-9a-f]{32}$/.test(chatId || "")) {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    chatId = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    localStorage.setItem("chat_id", chatId);
  }
  var seen = 0;

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

  function post(body) {
    body.chat_id = chatId;
    body.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    bar.textContent = "";
    return fetch("/chat/api/messages", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) { error.hidden = r.ok; }, function () { error.hidden = false; });
  }

  function poll() {
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

  if (!localStorage.getItem("chat_started_" + chatId)) {
    localStorage.setItem("chat_started_" + chatId, "1");
    post({ start: true });
  }
  poll();
})();
