// The evidence panel on the desk: the items of the open conversation's case (links, ids,
// names the person typed, or a counselor added), the flag when the same account is named
// in other cases, and the counselor's actions: add an item, open a link ("Mở": the opening
// is recorded first, then the link opens with rel="noopener noreferrer"), mark an item as
// personal data of the reporter. Links are shown as text, never as live anchors; every text
// goes on the page with textContent. It listens to the desk's `desk:open` (the
// conversation's JSON, with case_id) and `desk:closed`; the server checks roles and audits.
"use strict";
(function () {
  const panel = document.getElementById("evidence-panel");
  if (!panel) return;
  const data = JSON.parse(document.getElementById("words").textContent);
  const t = data.t;
  const w = t.evidence;
  const {api, el, when} = window.Desk;
  let shown = null;  // the conversation on show
  let refresh = null;  // a refetch after the person wrote

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, k) => (values[k] === undefined ? "" : String(values[k])));
  }

  function platformName(id) { return (data.platforms && data.platforms[id]) || id || w.no_platform; }

  function who(actor) {
    if (actor.startsWith("counselor:")) return fill(w.entered_by.counselor, {name: actor.slice(10)});
    return w.entered_by[actor] || actor;
  }

  function problem(box, error) {
    box.textContent = w.errors[error.reason] || t.errors[error.reason] || t.errors.generic;
    box.hidden = false;
  }

  // --- one item ---------------------------------------------------------------------------------
  function itemRow(caseId, item, editable) {
    const li = el("li", null, "evidence-item", {"data-seq": String(item.seq)});
    const head = el("div", null, "evidence-head");
    head.append(el("strong", (w.kinds[item.kind] || item.kind) + " · " + platformName(item.platform) + ": "),
      el("span", item.value, "evidence-value"));  // a link is text here, opened only with "Mở"
    if (item.name) head.append(el("span", " (" + item.name + ")", "muted"));
    li.append(head);
    if (item.other_cases > 0) li.append(el("p", fill(w.flag, {n: item.other_cases}), "alert evidence-flag", {role: "alert"}));
    const meta = [who(item.entered_by), fill(w.captured, {when: when(item.captured_at)})];
    if (item.first_seen || item.last_seen) meta.push(fill(w.seen, {first: item.first_seen || "?", last: item.last_seen || "?"}));
    li.append(el("p", meta.join(" · "), "muted"));
    const opened = el("p", item.opened ? fill(w.opened, {who: item.opened_by.replace(/^counselor:/, ""), when: when(item.opened_at)}) : w.not_opened,
      "muted evidence-opened");
    li.append(opened);
    if (item.reporter_data) li.append(el("p", w.reporter_note, "muted evidence-reporter-note"));
    const wrong = el("p", "", "field-error", {role: "alert", hidden: ""});
    if (editable) li.append(actions(caseId, item, li, wrong));
    li.append(wrong);
    return li;
  }

  function actions(caseId, item, li, wrong) {
    const bar = el("div", null, "evidence-actions");
    const path = "cases/" + caseId + "/evidence/" + item.seq;
    if (item.url) {
      const open = el("button", w.open, "evidence-open", {type: "button"});
      open.addEventListener("click", async () => {
        wrong.hidden = true;
        try {
          const done = await api("POST", path + "/open", {});
          const link = el("a", null, null, {href: done.url, target: "_blank", rel: "noopener noreferrer"});
          document.body.append(link);
          link.click();  // recorded first; the page never links to it before
          link.remove();
          li.replaceWith(itemRow(caseId, {...item, ...done}, true));
        } catch (error) { problem(wrong, error); }
      });
      bar.append(open);
    }
    const label = el("label", null, "check");
    const box = el("input", null, "evidence-reporter", {type: "checkbox"});
    box.checked = item.reporter_data;
    box.addEventListener("change", async () => {
      wrong.hidden = true;
      try {
        const changed = await api("POST", path + "/reporter", {value: box.checked});
        li.replaceWith(itemRow(caseId, changed, true));
        // no refetch of the whole panel here: it would wipe what the counselor is typing in
        // the add form; the case's flag follows at the next refresh
      } catch (error) { box.checked = !box.checked; problem(wrong, error); }
    });
    label.append(box, document.createTextNode(" " + w.reporter_data));
    bar.append(label);
    return bar;
  }

  // --- a counselor adds one ---------------------------------------------------------------------
  function addForm(caseId, list, empty) {
    const form = el("form", null, "evidence-add", {id: "evidence-form"});
    form.append(el("h4", w.add), el("p", w.no_files, "muted"));
    const kind = el("select", null, null, {id: "evidence-kind", "aria-label": w.kind});
    Object.entries(w.kinds).forEach(([k, label]) => kind.append(el("option", label, null, {value: k})));
    const platform = el("select", null, null, {id: "evidence-platform", "aria-label": w.platform});
    platform.append(el("option", w.no_platform, null, {value: ""}));
    Object.entries(data.platforms || {}).forEach(([k, name]) => platform.append(el("option", name, null, {value: k})));
    const field = (id, label, max, hint) => el("input", null, null, {id: id, maxlength: String(max), "aria-label": label, placeholder: hint || label});
    const value = field("evidence-value", w.value, 300);
    const name = field("evidence-name", w.name, 120);
    const first = field("evidence-first", w.first_seen, 80, w.first_seen + " (" + w.when_hint + ")");
    const last = field("evidence-last", w.last_seen, 80, w.last_seen);
    const wrong = el("p", "", "field-error", {id: "evidence-error", role: "alert", hidden: ""});
    form.append(el("label", w.kind + " "), kind, el("label", w.platform + " "), platform, value, name, first, last,
      el("button", w.save, null, {type: "submit", id: "evidence-add"}), wrong);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      wrong.hidden = true;
      if (!value.value.trim()) { wrong.textContent = w.errors.bad_value; wrong.hidden = false; return; }
      try {
        const item = await api("POST", "cases/" + caseId + "/evidence", {
          kind: kind.value, platform: platform.value, value: value.value, name: name.value,
          first_seen: first.value, last_seen: last.value});
        list.append(itemRow(caseId, item, true));
        empty.hidden = true;
        [value, name, first, last].forEach((i) => { i.value = ""; });
        if (current) show(current).catch(() => {});  // the whole list again, newest answer wins
      } catch (error) { problem(wrong, error); }
    });
    return form;
  }

  let asked = 0;  // only the answer to the latest request is shown (an older one may be late)

  async function show(conv) {
    shown = conv.id;
    const mine = ++asked;
    const answer = await api("GET", "conversations/" + conv.id + "/evidence");
    if (shown !== conv.id || mine !== asked) return;  // another request was made meanwhile
    if (!answer.case_id) { panel.replaceChildren(); panel.className = ""; return; }
    const editable = conv.status === "active" && (conv.counselor === data.me || data.supervisor);
    const parts = [el("h3", w.panel)];
    const flag = el("p", answer.flag, "alert", {id: "evidence-flag", role: "alert"});
    flag.hidden = !answer.flagged;
    parts.push(flag);
    if (answer.items === null) {
      parts.push(el("p", w.hidden, "muted", {id: "evidence-hidden"}));
    } else {
      const list = el("ol", null, "list", {id: "evidence-items"});
      answer.items.forEach((item) => list.append(itemRow(answer.case_id, item, editable)));
      const empty = el("p", w.none, "muted", {id: "evidence-none"});
      empty.hidden = answer.items.length > 0;
      parts.push(empty, list);
      if (editable) parts.push(addForm(answer.case_id, list, empty));
    }
    panel.replaceChildren(...parts);
    panel.className = "card evidence-panel";
  }

  function refetchSoon(delay) {
    clearTimeout(refresh);
    const conv = current;
    if (!conv) return;
    refresh = setTimeout(() => {
      if (current === conv && !panel.contains(document.activeElement)) show(conv).catch(() => {});
    }, delay);
  }

  let current = null;
  // The person's new lines may name an account: the items are read again shortly after one
  // shows on the desk (the bot records them as it writes the transcript).
  const messages = document.getElementById("messages");
  const theirLines = () => (messages ? messages.querySelectorAll(".from-child, .from-parent").length : 0);
  let seenLines = 0;
  if (messages) {
    new MutationObserver(() => {
      const now = theirLines();
      if (now > seenLines) refetchSoon(1500);
      seenLines = now;
    }).observe(messages, {childList: true});
  }

  document.addEventListener("desk:open", (event) => {
    current = event.detail;
    seenLines = theirLines();  // the conversation's history is on the desk already
    show(event.detail).catch(() => { panel.replaceChildren(el("p", t.errors.generic, "field-error")); });
  });
  document.addEventListener("desk:closed", () => {
    current = null;
    shown = null;
    clearTimeout(refresh);
    panel.replaceChildren();
    panel.className = "";
  });
})();
