// What waits on this phone and what was sent from it: the "waiting to send" state of reports made offline.
import { all, flush, keepMine } from "./offline-queue.js";

const SENT = "trygghetskartan-sent";

export async function remember(entry, outcome) {
  if (entry.kind === "report" && outcome.sent && entry.mine) {  // kept in "Mina rapporter" for good
    await keepMine({ url: outcome.url, reference: outcome.reference, label: entry.label || "" }).catch(() => {});
  }
  const done = JSON.parse(localStorage.getItem(SENT) || "[]");
  done.push({ label: entry.label || "", url: outcome.url || "", refused: outcome.refused || "", kind: entry.kind,
              reference: outcome.reference || "",
              action: entry.action || "" });
  localStorage.setItem(SENT, JSON.stringify(done.slice(-10)));
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

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

export async function render() {
  if (!box) return;
  const msg = box.dataset;
  const kind = box.dataset.kind || "report";
  const waiting = (await all()).filter((entry) => entry.kind === kind);
  const stored = JSON.parse(localStorage.getItem(SENT) || "[]");
  const done = stored.filter((item) => item.kind === kind);
  const status = box.querySelector(".outbox-status");
  const list = box.querySelector(".outbox-list");
  list.replaceChildren();
  status.textContent = waiting.length ? format(msg.msgWaiting, { n: waiting.length }) : "";
  for (const item of done) {
    const li = document.createElement("li");
    if (item.refused) {
      li.textContent = format(msg.msgRefused, { reason: item.refused });
    } else if (msg.msgReceipt) {
      li.append(`${msg.msgSent} `);
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.reference ? `${msg.msgReceipt} (${item.reference})` : msg.msgReceipt;
      li.append(link);
    } else {
      const template = item.action === "start" && msg.msgStarted ? msg.msgStarted : msg.msgSent;
      li.textContent = format(template, { label: item.label });
    }
    list.append(li);
  }
  box.hidden = !waiting.length && !done.length;
  // Each is shown once.
  if (done.length) localStorage.setItem(SENT, JSON.stringify(stored.filter((item) => item.kind !== kind)));
}

window.addEventListener("online", sendWaiting);
render().then(sendWaiting);
setInterval(sendWaiting, 20000);
