// "Mina rapporter": the reports sent from this phone (kept in IndexedDB by the report form and the outbox),
// newest first, each with its reference and its private tracking link. Nothing of this is sent to the server.
import { allMine, forgetMine } from "./offline-queue.js";

const box = document.getElementById("my-reports");
const words = box.dataset;
const list = document.getElementById("my-reports-list");
const empty = document.getElementById("my-reports-empty");
const said = document.getElementById("my-reports-status");
const dates = new Intl.DateTimeFormat(document.documentElement.lang || "sv", { dateStyle: "long", timeStyle: "short" });

async function show() {
  let mine = [];
  try {
    mine = (await allMine()).sort((a, b) => b.sentAt - a.sentAt);
  } catch { /* no IndexedDB (a private window): nothing kept */ }
  list.replaceChildren();
  for (const report of mine) {
    const item = document.createElement("li");
    item.className = "my-report";
    const title = document.createElement("h2");
    title.textContent = report.reference || report.label;
    const facts = document.createElement("p");
    facts.textContent = [report.reference ? report.label : "", words.msgSent.replace("{date}", dates.format(report.sentAt))]
      .filter(Boolean).join(" · ");
    const link = document.createElement("a");
    link.href = report.url;
    link.className = "button secondary";
    link.textContent = words.msgFollow;
    const forget = document.createElement("button");
    forget.type = "button";
    forget.className = "button secondary";
    forget.textContent = words.msgForget;
    forget.addEventListener("click", async () => {
      await forgetMine(report.url);
      said.textContent = words.msgForgotten;
      await show();
      (list.querySelector("a") || document.querySelector("main h1")).focus?.();
    });
    const actions = document.createElement("p");
    actions.className = "my-report-actions";
    actions.append(link, forget);
    item.append(title, facts, actions);
    list.append(item);
  }
  empty.hidden = mine.length > 0;
}

show();
// A report waiting offline may be sent while this page is open (register-sw.js sends it): show it then.
window.addEventListener("online", () => setTimeout(show, 3000));
