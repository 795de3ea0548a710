// The desk's alerts for an urgent child: a sound (unless a supervisor muted this desk), a
// browser notification (permission asked once, from the "Bật thông báo" button, never on
// load) and the count of unseen urgent children in the tab title. A notification names the
// priority and the channel only, never the child's words (it may show on a locked screen).
// window.deskAlerts also counts what it did (plays, silenced), for the browser tests.
"use strict";
window.deskAlerts = (function () {
  const data = JSON.parse(document.getElementById("words").textContent);
  const t = data.t, words = data.t.desk;
  const $ = (id) => document.getElementById(id);
  const sound = $("alert-sound");
  const baseTitle = document.title;
  const unseen = new Map();  // id → when it was alerted (ms)
  const announced = new Set();  // "id:new": a child's arrival is alerted once
  const state = {considered: 0, plays: 0, silenced: 0, blocked: 0, alerts: 0, muted: Boolean(data.muted), onOpen: null};
  const canNotify = "Notification" in window;

  function title() {
    document.title = unseen.size ? "(" + unseen.size + ") " + baseTitle : baseTitle;
  }

  function showPermission() {
    $("notify").hidden = !canNotify || Notification.permission !== "default";
    $("notify-denied").hidden = !canNotify || Notification.permission !== "denied";
  }

  function play() {
    if (state.muted) { state.silenced += 1; return; }
    sound.currentTime = 0;
    const playing = sound.play();
    if (!playing) { state.plays += 1; return; }
    playing.then(() => { state.plays += 1; $("sound-blocked").hidden = true; })
      .catch(() => { state.blocked += 1; $("sound-blocked").hidden = false; });
  }

  function notify(alert) {
    if (!canNotify || Notification.permission !== "granted") return;
    const head = alert.reason === "crisis_message" ? words.alert_crisis : words.alert_new;
    const parts = [t.priorities[alert.priority] || alert.priority];
    if (alert.channel) parts.push(t.channels[alert.channel] || alert.channel);
    try {
      const note = new Notification(head, {
        body: parts.join(" · ") + ". " + words.alert_open, tag: "desk-" + alert.id + "-" + alert.reason,
        requireInteraction: alert.priority === "imminent", silent: state.muted,
      });
      note.addEventListener("click", () => {
        window.focus();
        if (state.onOpen) state.onOpen(alert.id);
        note.close();
      });
    } catch (error) { /* a browser that only notifies from a service worker: title and sound still tell */ }
  }

  // alert: {id, priority, reason: "new"|"crisis_message", channel?}; `showing`: the counselor
  // has this very conversation open in a visible tab (it still sounds, it is not "unseen").
  function raise(alert, showing) {
    state.considered += 1;
    if (alert.priority !== "imminent" && alert.priority !== "high") return;
    if (alert.reason === "new") {
      const key = alert.id + ":new";
      if (announced.has(key)) return;
      announced.add(key);
    }
    state.alerts += 1;
    if (!showing) { unseen.set(String(alert.id), Date.now()); title(); }
    play();
    notify(alert);
  }

  function seen(id) { if (unseen.delete(String(id))) title(); }

  // After a queue refresh started at `since`: children no longer waiting (taken, gone) are
  // not unseen any more; ones alerted after the refresh began are kept (it may predate them).
  function waitingNow(ids, since) {
    const waiting = new Set(ids.map(String));
    for (const [id, at] of unseen) { if (at < since && !waiting.has(id)) unseen.delete(id); }
    title();
  }

  function setMuted(muted) {
    state.muted = Boolean(muted);
    $("muted-note").hidden = !state.muted;
    if (state.muted) { sound.pause(); }
  }

  if (canNotify) {
    $("notify").addEventListener("click", () => {
      sound.muted = true;  // the click is also the gesture that lets the page play sound later
      const unlock = sound.play();
      if (unlock) unlock.then(() => { sound.pause(); sound.muted = false; }).catch(() => { sound.muted = false; });
      Promise.resolve(Notification.requestPermission()).then(showPermission, showPermission);
    });
  }
  $("sound-blocked").addEventListener("click", () => {
    sound.currentTime = 0;
    sound.play().then(() => { $("sound-blocked").hidden = true; }).catch(() => {});
  });
  showPermission();
  return Object.assign(state, {raise: raise, seen: seen, waitingNow: waitingNow, setMuted: setMuted,
    unseen: () => unseen.size});
})();
