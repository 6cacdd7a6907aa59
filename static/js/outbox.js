// What waits on this phone and what was sent from it: the "waiting to send" state of reports made offline.
import { all, flush, keepMine } from "./offline-queue.js";

const SENT = "trygghetskartan-sent";

export async function remember(entry, outcome) {
  if (entry.kind === "report" && outcome.sent && entry.mine) {  // kept in "Mina rapporter" for good
    await keepMine({ url: outcome.url, reference: outcome.reference, label: entry.label || "" }).catch(() => {});
  }
  const done = JSON.parse(localStorage.getItem(SENT) || "[]");
  done.push({ label: entry.label || "", url: outcome.url || "", refused: outcome.refused || "", kind: entry.kind,
              reference: outcome.reference || "", page: entry.page || "", key: entry.key || "",
              action: entry.action || "" });
  // A refusal is kept until the person has seen to it; what went through is kept for the next page only.
  const refused = done.filter((item) => item.refused);
  localStorage.setItem(SENT, JSON.stringify([...refused, ...done.filter((item) => !item.refused).slice(-10)]));
}

// What went through, shown on this page until the person dismisses it (it is taken out of storage when first
// shown, so the next page does not repeat it).
let shownSent = [];

function dismiss(key) {
  shownSent = shownSent.filter((item) => item.key !== key);
  const stored = JSON.parse(localStorage.getItem(SENT) || "[]");
  localStorage.setItem(SENT, JSON.stringify(stored.filter((item) => item.key !== key)));
  render();
}

let retry = null;

export async function sendWaiting() {
  await flush(remember);
  await render();
  // Online but not through yet (a lost answer, a busy server): try again soon, not only every 20 s.
  if (navigator.onLine && (await all()).length && retry === null) {
    retry = setTimeout(() => { retry = null; sendWaiting(); }, 3000);
  }
}

const box = document.getElementById("outbox");

function dismissButton(msg, key) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary";
  button.textContent = msg.msgDismiss || "OK";
  button.addEventListener("click", () => dismiss(key));
  return button;
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

export async function render() {
  if (!box) return;
  const msg = box.dataset;
  const kind = box.dataset.kind || "report";
  const waiting = (await all()).filter((entry) => entry.kind === kind);
  const stored = JSON.parse(localStorage.getItem(SENT) || "[]");
  const mine = stored.filter((item) => item.kind === kind);
  for (const item of mine) {
    if (!item.refused && !shownSent.some((other) => other.key === item.key)) shownSent.push(item);
  }
  const done = [...mine.filter((item) => item.refused), ...shownSent];
  const status = box.querySelector(".outbox-status");
  const list = box.querySelector(".outbox-list");
  list.replaceChildren();
  status.textContent = waiting.length ? format(msg.msgWaiting, { n: waiting.length }) : "";
  for (const card of document.querySelectorAll(".task-refused")) card.remove();
  for (const item of done) {
    const li = document.createElement("li");
    if (item.refused) {
      li.className = "outbox-refused";
      li.append(`${format(msg.msgRefused, { label: item.label, reason: item.refused })} `);
      if (item.page) {
        const link = document.createElement("a");
        link.href = item.page;
        link.textContent = msg.msgOpen || item.label;
        li.append(link, " ");
      }
      li.append(dismissButton(msg, item.key));
      // On the job's own card in the list, too.
      const card = item.page && document.querySelector(`.task-link[href="${CSS.escape(item.page)}"]`);
      if (card) {
        const note = document.createElement("strong");
        note.className = "task-refused";
        note.textContent = format(msg.msgRefusedShort || "{reason}", { reason: item.refused });
        card.append(note);
      }
    } else if (msg.msgReceipt) {
      li.append(`${msg.msgSent} `);
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.reference ? `${msg.msgReceipt} (${item.reference})` : msg.msgReceipt;
      li.append(link, " ", dismissButton(msg, item.key));
    } else {
      const template = item.action === "start" && msg.msgStarted ? msg.msgStarted : msg.msgSent;
      li.append(`${format(template, { label: item.label })} `, dismissButton(msg, item.key));
    }
    list.append(li);
  }
  box.hidden = !waiting.length && !done.length;
  // What went through is taken out of storage (this page keeps showing it); a refusal stays until dismissed.
  if (mine.length) {
    localStorage.setItem(SENT, JSON.stringify(stored.filter((item) => item.kind !== kind || item.refused)));
  }
}

window.addEventListener("online", sendWaiting);
render().then(sendWaiting);
setInterval(sendWaiting, 20000);
