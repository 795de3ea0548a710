// The case panel on the desk: what the person's own words gave (age, links, usernames,
// phone-like strings; the counselor corrects them), their earlier cases with summaries and
// notes, this case's notes (added, never edited) and referrals from the directory. It listens
// to the desk's `desk:open` (the conversation's JSON) and `desk:closed` events. Every text is
// put on the page with textContent, never as HTML; the server checks roles and audits.
"use strict";
(function () {
  const panel = document.getElementById("case-panel");
  if (!panel) return;
  const t = JSON.parse(document.getElementById("words").textContent).t;
  const w = t.records;
  const me = JSON.parse(document.getElementById("words").textContent);
  const {api, el, when} = window.Desk;
  let shown = null;  // what is on show: conversation, case, editable
  let services = null;  // the directory, fetched once

  function categories(item) {
    const keys = item.categories && item.categories.length ? item.categories : [item.reading];
    return keys.map((k) => t.categories[k] || t.readings[k] || k).join("; ");
  }

  function problem(box, error) {
    box.textContent = (w.errors[error.reason] || t.errors[error.reason] || t.errors.generic);
    box.hidden = false;
  }

  function errorBox(id) { return el("p", "", "field-error", {id: id, role: "alert", hidden: ""}); }

  // --- what the person's words gave ----------------------------------------------------------
  function foundForm(caseId, found, editable) {
    const form = el("form", null, "found", {id: "found-form"});
    form.append(el("h4", w.found));
    const age = el("input", null, null, {id: "found-age", maxlength: "40", "aria-label": w.age});
    age.value = found.age || "";
    form.append(el("label", w.age + " "), age);
    const lists = {};
    ["links", "usernames", "phones"].forEach((kind) => {
      const box = el("textarea", null, null, {id: "found-" + kind, rows: "2", "aria-label": w[kind]});
      box.value = (found[kind] || []).join("\n");
      box.placeholder = w.one_per_line;
      lists[kind] = box;
      form.append(el("label", w[kind]), box);
    });
    const done = el("span", "", "muted", {id: "found-saved", role: "status"});
    const wrong = errorBox("found-error");
    if (editable) form.append(el("button", w.save, null, {type: "submit", id: "found-save"}), done, wrong);
    else form.querySelectorAll("input, textarea").forEach((i) => { i.readOnly = true; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      wrong.hidden = true;
      const lines = (box) => box.value.split("\n").map((s) => s.trim()).filter(Boolean);
      try {
        const saved = await api("POST", "cases/" + caseId + "/context", {
          age: age.value.trim(), links: lines(lists.links), usernames: lines(lists.usernames),
          phones: lines(lists.phones)});
        age.value = saved.age;
        ["links", "usernames", "phones"].forEach((k) => { lists[k].value = saved[k].join("\n"); });
        done.textContent = w.saved;
      } catch (error) { problem(wrong, error); }
    });
    return form;
  }

  // --- earlier cases ---------------------------------------------------------------------------
  // With an open case the counselor may say it is the same matter as an earlier case: the open
  // case becomes its follow-up (one case, several contacts), or a case of its own again.
  function followUpControl(current, item, redraw) {
    const linked = current.follow_up_of === item.id;
    const wrong = errorBox("follow-up-error-" + item.id);
    const button = el("button", linked ? w.not_follow_up : w.follow_up, null,
      {type: "button", id: "follow-up-" + item.id});
    button.addEventListener("click", async () => {
      wrong.hidden = true;
      try {
        const answer = await api("POST", "cases/" + current.id + "/follow-up", {of: linked ? null : item.id});
        current.follow_up_of = answer.follow_up_of;
        redraw();
      } catch (error) { problem(wrong, error); }
    });
    const parts = linked ? [el("p", w.followed, "follow-up", {id: "follow-up-state"})] : [];
    return [...parts, button, wrong];
  }

  function historyList(items, current, editable) {
    const box = el("section", null, "history", {id: "case-history"});
    box.append(el("h4", w.history));
    if (!items.length) { box.append(el("p", w.no_history, "muted")); return box; }
    const list = el("ol", null, "list");
    const redraw = () => box.replaceWith(historyList(items, current, editable));
    items.forEach((item) => {
      const li = el("li", null, "past-case", {"data-id": String(item.id)});
      li.append(el("strong", "#" + item.id + " · " + when(item.closed_at || item.opened_at)),
        el("span", " · " + categories(item) + " · " + (w.statuses[item.status] || item.status)));
      if (item.summary) li.append(el("p", item.summary, "summary"));
      if (item.action) li.append(el("p", t.close.action + ": " + item.action, "muted"));
      if (item.contacts > 1) li.append(el("p", w.contacts + ": " + item.contacts, "muted"));
      (item.notes || []).forEach((n) => li.append(el("p", n.author + ": " + n.text, "note")));
      (item.referrals || []).forEach((r) => li.append(el("p", w.referrals + ": " + r.name, "muted")));
      if (editable && current && (item.can_follow || current.follow_up_of === item.id)) {
        li.append(...followUpControl(current, item, redraw));
      }
      list.append(li);
    });
    box.append(list);
    return box;
  }

  // --- this case's notes ----------------------------------------------------------------------
  function noteItem(n) {
    const li = el("li", null, "note");
    li.append(el("span", n.author + " · " + when(n.at) + ": ", "muted"), el("span", n.text, "text"));
    return li;
  }

  function notesBox(caseId, notes, editable) {
    const box = el("section", null, "notes");
    box.append(el("h4", w.notes));
    const list = el("ol", null, "list", {id: "case-notes"});
    const empty = el("p", w.no_notes, "muted", {id: "no-notes"});
    empty.hidden = notes.length > 0;
    notes.forEach((n) => list.append(noteItem(n)));
    box.append(empty, list);
    if (!editable) return box;
    const text = el("textarea", null, null, {id: "note-text", rows: "2", maxlength: "4000", "aria-label": w.notes});
    text.placeholder = w.note_placeholder;
    const add = el("button", w.add_note, null, {type: "button", id: "note-add"});
    const wrong = errorBox("note-error");
    add.addEventListener("click", async () => {
      wrong.hidden = true;
      if (!text.value.trim()) { wrong.textContent = w.errors.bad_text; wrong.hidden = false; return; }
      try {
        const note = await api("POST", "cases/" + caseId + "/notes", {text: text.value});
        list.append(noteItem(note));
        empty.hidden = true;
        text.value = "";
      } catch (error) { problem(wrong, error); }
    });
    box.append(text, add, wrong);
    return box;
  }

  // --- referrals -------------------------------------------------------------------------------
  function referralItem(r) {
    return el("li", r.name + (r.phone ? " · " + r.phone : "") + " (" + r.counselor + ")", "referral");
  }

  async function referralsBox(caseId, referrals, editable) {
    const box = el("section", null, "referrals");
    box.append(el("h4", w.referrals));
    const list = el("ul", null, "list", {id: "case-referrals"});
    referrals.forEach((r) => list.append(referralItem(r)));
    box.append(list);
    if (!editable) return box;
    if (services === null) services = (await api("GET", "directory")).items;
    const pick = el("select", null, null, {id: "refer-service", "aria-label": w.refer});
    pick.append(el("option", w.pick_service, null, {value: ""}));
    services.forEach((s) => pick.append(el("option", s.name + (s.phone ? " · " + s.phone : ""), null,
      {value: String(s.id), title: s.when})));
    const refer = el("button", w.refer, null, {type: "button", id: "refer"});
    const wrong = errorBox("refer-error");
    refer.addEventListener("click", async () => {
      wrong.hidden = true;
      if (!pick.value) { wrong.textContent = w.errors.bad_service; wrong.hidden = false; return; }
      try {
        list.append(referralItem(await api("POST", "cases/" + caseId + "/referrals", {service_id: Number(pick.value)})));
        pick.value = "";
      } catch (error) { problem(wrong, error); }
    });
    box.append(pick, refer, wrong);
    return box;
  }

  async function show(conv) {
    const editable = conv.status === "active" && (conv.counselor === me.me || me.supervisor);
    const key = [conv.id, conv.case_id, editable].join(":");
    if (key === shown) return;  // the desk opened it again (a live update): keep what is typed
    shown = key;
    const answer = await api("GET", "conversations/" + conv.id + "/history");
    if (shown !== key) return;  // another conversation was opened meanwhile
    const parts = [el("h3", w.panel)];
    const current = answer.case;
    if (current) {
      parts.push(foundForm(current.id, current.found, editable));
      parts.push(notesBox(current.id, current.notes, editable));
      parts.push(await referralsBox(current.id, current.referrals, editable));
    }
    parts.push(historyList(answer.items, current, editable));
    if (shown !== key) return;
    panel.replaceChildren(...parts);
    panel.className = "card case-panel";
  }

  document.addEventListener("desk:open", (event) => {
    show(event.detail).catch(() => {
      shown = null;
      panel.replaceChildren(el("p", t.errors.generic, "field-error"));
    });
  });
  document.addEventListener("desk:closed", () => {
    shown = null;
    panel.replaceChildren();
    panel.className = "";
  });
})();
