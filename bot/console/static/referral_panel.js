// The referral panel on the desk: the case's referrals to the response network (platforms'
// trust-and-safety teams, vn-cop.vn, police, child-protection offices, NGOs) with their
// status history and packages; a draft made from the case (the counselor chooses what of
// the child's words to pass on), sent by e-mail or downloaded for a portal, then followed
// to an outcome. It listens to the desk's `desk:open` (the conversation's JSON, with
// case_id) and `desk:closed` events; on a case's page (/console/cases/{id}) it shows that
// case, so a referral is followed to its outcome long after the conversation ended. Every
// text goes in with textContent, never as HTML;
// the server checks roles, allowed moves and audits.
"use strict";
(function () {
  const panel = document.getElementById("referral-panel");
  if (!panel) return;
  // the desk's words, or (on a case's page) the panel's own
  const all = JSON.parse((document.getElementById("words") || document.getElementById("referral-words")).textContent);
  const t = all.t, w = t.referrals;
  const {api, el, when} = window.Desk;
  let caseId = null;

  function problem(box, error) {
    let text = error.message || w.errors[error.reason] || w.errors.generic;
    if (error.detail && error.reason === "send_failed") text += " (" + error.detail + ")";
    box.textContent = text;
    box.hidden = false;
  }

  function button(text, cls, attrs) { return el("button", text, cls, Object.assign({type: "button"}, attrs || {})); }

  async function act(box, work) {
    box.hidden = true;
    try { await work(); await show(); } catch (error) { if (error.message !== "login") problem(box, error); }
  }

  async function download(referral, box) {
    const response = await api("POST", "network-referrals/" + referral.id + "/package", undefined, {raw: true});
    const blob = await response.blob();
    const link = el("a", null, null, {href: URL.createObjectURL(blob), download: "111-R" + referral.id + "-" + (response.headers.get("X-Package-SHA256") || "").slice(0, 12) + ".json"});
    document.body.append(link);
    link.click();
    link.remove();
  }

  function actions(referral) {
    const row = el("div", null, "actions referral-actions");
    const wrong = el("p", "", "field-error referral-error", {role: "alert"});
    wrong.hidden = true;
    if (referral.status === "drafted" && referral.sender === "email") {
      const send = button(w.send_email, "primary referral-send");
      send.disabled = !senders.email.enabled;
      send.addEventListener("click", () => act(wrong, () => api("POST", "network-referrals/" + referral.id + "/send")));
      row.append(send);
    }
    if (referral.status === "drafted" && referral.sender === "download") {
      const get = button(w.download, "referral-download");
      get.addEventListener("click", () => act(wrong, () => download(referral, wrong)));
      const sent = button(w.mark_sent, "referral-mark-sent");
      sent.addEventListener("click", () => act(wrong, () => api("POST", "network-referrals/" + referral.id + "/status", {status: "sent"})));
      row.append(get, sent);
    }
    if (referral.status !== "drafted") {
      referral.next.filter((to) => to !== "actioned").forEach((to) => {
        const move = button(w.statuses[to], "referral-move", {"data-to": to});
        move.addEventListener("click", () => act(wrong, () => api("POST", "network-referrals/" + referral.id + "/status", {status: to})));
        row.append(move);
      });
      if (referral.next.includes("actioned")) {
        const outcome = el("select", null, "referral-outcome", {"aria-label": w.outcome});
        Object.entries(w.outcomes_kinds).forEach(([key, label]) => outcome.append(el("option", label, null, {value: key})));
        const done = button(w.statuses.actioned, "referral-move", {"data-to": "actioned"});
        done.addEventListener("click", () => act(wrong, () => api("POST", "network-referrals/" + referral.id + "/status", {status: "actioned", outcome: outcome.value})));
        row.append(outcome, done);
      }
    }
    return [row, wrong];
  }

  function item(referral) {
    const li = el("li", null, "referral card", {"data-id": String(referral.id), "data-status": referral.status});
    const head = el("p", null, "referral-head");
    head.append(el("strong", referral.recipient), document.createTextNode(" · "),
      el("span", w.statuses[referral.status] || referral.status, "referral-status"),
      document.createTextNode(" · " + (w.shapes[referral.shape] || referral.shape)));
    if (referral.outcome) head.append(document.createTextNode(" · "), el("span", w.outcomes_kinds[referral.outcome] || referral.outcome, "referral-outcome-shown"));
    li.append(head);
    if (referral.created_by === "rule") li.append(el("p", w.by_rule, "muted"));
    if (referral.summary) li.append(el("p", w.summary + ": " + referral.summary, "referral-summary-shown"));
    if (referral.last_error && referral.status === "drafted") li.append(el("p", w.last_error + ": " + (w.errors[referral.last_error] || referral.last_error), "alert referral-last-error"));
    const history = el("ol", null, "referral-history");
    referral.events.forEach((e) => history.append(el("li", when(e.at) + " · " + e.actor + " · " + (w.statuses[e.to] || e.to) + (e.detail ? " (" + e.detail + ")" : ""))));
    li.append(history);
    referral.exports.forEach((x) => li.append(el("p", w.package + " " + (w.shapes[x.shape] || x.shape) + " · SHA-256 " + x.sha256, "referral-sha muted", {"data-sha256": x.sha256})));
    li.append(...actions(referral));
    return li;
  }

  let senders = {email: {enabled: false}, download: {enabled: true}};

  function form(recipients) {
    const box = el("form", null, "referral-form", {id: "referral-form"});
    box.append(el("h4", w.new_referral));
    const to = el("select", null, null, {id: "referral-recipient", "aria-label": w.recipient});
    recipients.forEach((r) => to.append(el("option", r.name + " (" + (w.senders[r.sender] || r.sender) + ")", null, {value: String(r.id)})));
    const shape = el("select", null, null, {id: "referral-shape", "aria-label": w.shape});
    shape.append(el("option", w.usual_shape, null, {value: ""}));
    Object.entries(w.shapes).forEach(([key, label]) => shape.append(el("option", label, null, {value: key})));
    const summary = el("textarea", null, null, {id: "referral-summary", rows: "3", maxlength: "2000", "aria-label": w.summary});
    summary.placeholder = w.summary_hint;
    const reason = el("input", null, null, {id: "referral-priority", maxlength: "300", "aria-label": w.priority_reason});
    reason.placeholder = w.priority_hint;
    const wrong = el("p", "", "field-error", {id: "referral-form-error", role: "alert"});
    wrong.hidden = true;
    box.append(el("label", w.recipient + " "), to, el("label", w.shape + " "), shape,
      el("label", w.summary), summary, el("label", w.priority_reason), reason,
      el("button", w.create, "primary", {type: "submit", id: "referral-create"}), wrong);
    box.addEventListener("submit", (event) => {
      event.preventDefault();
      act(wrong, () => api("POST", "cases/" + caseId + "/network-referrals", {
        recipient_id: Number(to.value), shape: shape.value, summary: summary.value.trim(), priority_reason: reason.value.trim(),
      }));
    });
    return box;
  }

  let asked = 0;  // only the answer to the latest request is shown (an older one may be late)

  async function show() {
    const shown = caseId;
    const mine = ++asked;
    if (!shown) { panel.replaceChildren(); return; }
    const data = await api("GET", "cases/" + shown + "/network-referrals");
    if (shown !== caseId || mine !== asked) return;  // another request was made meanwhile
    senders = data.senders;
    const nodes = [el("h3", w.heading), el("a", w.recipients_link, "muted", {href: "/console/referrals/recipients", id: "referral-recipients-link"})];
    if (!senders.email.enabled) nodes.push(el("p", w.email_disabled + (senders.email.problem ? " (" + senders.email.problem + ")" : ""), "muted", {id: "referral-email-off"}));
    const list = el("ul", null, "list", {id: "referral-list"});
    data.items.forEach((r) => list.append(item(r)));
    if (!data.items.length) nodes.push(el("p", w.none, "muted", {id: "referral-none"}));
    nodes.push(list, form(data.recipients));
    panel.replaceChildren(...nodes);
  }

  function open(id) {
    caseId = id;
    show().catch((error) => {
      // a conversation still waiting, not theirs to refer: nothing to show yet
      if (error.reason === "not_allowed" || error.reason === "not_found") { panel.replaceChildren(); return; }
      if (error.message !== "login") panel.replaceChildren(el("p", w.errors.generic, "field-error"));
    });
  }

  if (panel.dataset.caseId) open(panel.dataset.caseId);  // a case's page: long after the chat
  document.addEventListener("desk:open", (event) => {
    open(event.detail && event.detail.case_id ? String(event.detail.case_id) : null);
  });
  document.addEventListener("desk:closed", () => { caseId = null; panel.replaceChildren(); });
})();
