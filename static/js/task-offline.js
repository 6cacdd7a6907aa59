// The crew's task list without a connection: open jobs and their photos are kept on the phone while online,
// and "done" with its after-photo waits on the phone (IndexedDB) until the connection returns.
import { newKey, put, send } from "./offline-queue.js";
import { render as renderOutbox, sendWaiting } from "./outbox.js";
import { shrink } from "./photo-shrink.js";

// On the list: fetch every open job's page and its photos, so the service worker keeps them.
const list = document.querySelector("[data-task-list]");
if (list && navigator.onLine && navigator.serviceWorker?.controller) {
  const links = [...list.querySelectorAll("a[href^='/staff/tasks/']")].map((a) => a.getAttribute("href"));
  (async () => {
    for (const href of new Set(links)) {
      try {
        const html = await (await fetch(href, { credentials: "same-origin" })).text();
        const page = new DOMParser().parseFromString(html, "text/html");
        for (const img of page.querySelectorAll("main img[src]")) {
          await (await fetch(img.getAttribute("src"), { credentials: "same-origin" })).blob();
        }
      } catch { /* offline again: what is kept is kept */ }
    }
  })();
}

// On a job opened offline: a photo that failed (asked before the kept copy could answer) is asked once more,
// which the service worker answers from what it kept.
function askAgain(img) {
  if (img.dataset.askedAgain) return;
  img.dataset.askedAgain = "1";
  img.src = img.getAttribute("src");
}
for (const img of document.querySelectorAll("main .photos img")) {
  if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) askAgain(img);
  else img.addEventListener("error", () => askAgain(img), { once: true });
}

// On a job: "Mark as done" works offline.
const form = document.querySelector(".complete-form");
if (form) {
  const keyInput = form.querySelector("#idempotency_key");
  if (!keyInput.value) keyInput.value = newKey();
  const photoInput = form.querySelector("input[type=file][name=photo]");
  const button = form.querySelector("button[type=submit]");
  let sending = false;
  // What the server will refuse is refused here first, offline too: a note and an after-photo are needed.
  const needed = [
    [form.querySelector("textarea[name=note]"), (input) => input.value.trim(), form.dataset.msgNoteRequired],
    [photoInput, (input) => input.files.length, form.dataset.msgPhotoRequired],
  ];
  const problems = () => {
    let first = null;
    for (const [input, given, message] of needed) {
      const field = input.closest(".field");
      field.querySelector(".field-errors.on-phone")?.remove();
      if (given(input)) {
        field.classList.remove("has-error");
        input.removeAttribute("aria-invalid");
        continue;
      }
      const list = document.createElement("ul");
      list.className = "field-errors on-phone";
      list.id = `${input.id}-error`;
      const item = document.createElement("li");
      item.textContent = message;
      list.append(item);
      input.after(list);
      field.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", list.id);
      first = first || input;
    }
    first?.focus();
    return first !== null;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending || problems()) return;
    sending = true;
    button.disabled = true;
    try {
      const photo = photoInput.files[0] ? await shrink(photoInput.files[0]) : null;
      try {
        if (photo) {
          const transfer = new DataTransfer();
          transfer.items.add(photo);
          photoInput.files = transfer.files;
        }
      } catch { /* an older browser sends the original */ }
      const entry = {
        key: keyInput.value, kind: "completion", url: form.action, label: document.querySelector("h1").textContent.trim(),
        page: location.pathname,
        fields: [...new FormData(form)].filter(([, value]) => typeof value === "string"),
        files: photo ? [["photo", photo]] : [],
      };
      const outcome = navigator.onLine ? await send(entry) : { waiting: true };
      if (outcome.sent) {
        location.assign(outcome.url);
      } else if (outcome.waiting) {
        await put(entry);
        location.assign(`/staff/tasks?queued=${encodeURIComponent(entry.key)}`);
      } else {
        HTMLFormElement.prototype.submit.call(form);  // the server's page shows what to fix
      }
    } finally {
      sending = false;
      button.disabled = false;
    }
  });
}

// On a job: "Start" works offline too. Kept presses are sent in the order they were made, so a start waits
// before the "done" that follows it.
const startForm = document.querySelector(".start-form");
if (startForm) {
  const button = startForm.querySelector("button[type=submit]");
  let sending = false;
  startForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    sending = true;
    button.disabled = true;
    const entry = {
      key: newKey(), kind: "completion", action: "start", url: startForm.action,
      label: document.querySelector("h1").textContent.trim(), page: location.pathname,
      fields: [...new FormData(startForm)].filter(([, value]) => typeof value === "string"),
      files: [],
    };
    try {
      const outcome = navigator.onLine ? await send(entry) : { waiting: true };
      if (outcome.sent) {
        location.assign(outcome.url);
      } else if (outcome.waiting) {
        await put(entry);
        const notice = document.getElementById("start-queued");
        notice.textContent = startForm.dataset.msgQueued;
        notice.hidden = false;
        startForm.hidden = true;
      } else {
        HTMLFormElement.prototype.submit.call(startForm);  // the server's page says what went wrong
      }
    } finally {
      sending = false;
      button.disabled = false;
    }
  });
}

if (document.getElementById("outbox")) {
  renderOutbox();
  window.addEventListener("online", sendWaiting);
}
