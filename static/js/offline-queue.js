// Reports (and crews' completions) made without a connection wait on the phone in IndexedDB and are sent
// when the connection returns. Each carries an idempotency key the server honours, so a retry after a lost
// answer never stores it twice.
const DB_NAME = "trygghetskartan";
const STORE = "outbox";
// "Mina rapporter": the references and private links of the reports sent from this phone (version 2).
const MINE = "mine";
// Where the server sends a request from someone who is not (or no longer) logged in.
const LOGIN_PATH = "/staff/login";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 2);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" });
      if (!db.objectStoreNames.contains(MINE)) db.createObjectStore(MINE, { keyPath: "url" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work, storeName = STORE) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = work(tx.objectStore(storeName));
    tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// entry: {key, kind: "report" | "completion", url, fields: [[name, value]...], files: [[name, File]...], label}
export const put = (entry) => run("readwrite", (store) => store.put({ ...entry, queuedAt: Date.now() }));
export const remove = (key) => run("readwrite", (store) => store.delete(key));
export const all = () => run("readonly", (store) => store.getAll());

// mine: {url (the private tracking page), reference, label, sentAt}
export const keepMine = (report) => run("readwrite", (store) => store.put({ sentAt: Date.now(), ...report }), MINE);
export const allMine = () => run("readonly", (store) => store.getAll(), MINE);
export const forgetMine = (url) => run("readwrite", (store) => store.delete(url), MINE);

async function freshToken() {
  const response = await fetch("/csrf-token", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error("no token");
  return (await response.json()).csrf_token;
}

// Send one entry. Returns {sent: true, url} when the server took it (or had it already), {refused: message, page}
// (page: the server's answer, parsed) when the server said no (it will not change its mind), or {waiting: true}
// to try again later (no connection, a lost answer, a busy server, a session to log in to again).
export async function send(entry) {
  let token;
  try {
    token = await freshToken();
  } catch {
    return { waiting: true };
  }
  const body = new FormData();
  for (const [name, value] of entry.fields) if (name !== "csrf_token") body.append(name, value);
  for (const [name, file] of entry.files) body.append(name, file, file.name);
  body.append("csrf_token", token);
  let response;
  try {
    // Asked for JSON, the server answers where to go instead of redirecting there.
    response = await fetch(entry.url, { method: "POST", body, credentials: "same-origin",
                                        headers: { Accept: "application/json" } });
  } catch {
    return { waiting: true };
  }
  if (response.ok && (response.headers.get("Content-Type") || "").includes("application/json")) {
    try {
      const answer = await response.json();
      return { sent: true, url: answer.location, reference: answer.reference || "" };
    } catch {
      return { waiting: true };
    }
  }
  if (response.ok && response.redirected) {
    // Sent to the login page (a crew member's session ended while the phone was offline): not taken. It waits
    // on the phone and goes when they have logged in again, instead of being counted as sent and forgotten.
    if (new URL(response.url).pathname.startsWith(LOGIN_PATH)) return { waiting: true };
    return { sent: true, url: response.url };
  }
  if (response.status === 429 || response.status >= 500) return { waiting: true };
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const reason = [...page.querySelectorAll(".field-errors li, .field-errors, .flash-error")]
    .map((node) => node.textContent.trim()).filter(Boolean)[0];
  return { refused: reason || `${response.status}`, page };
}

// Send everything waiting, one at a time; `report(entry, outcome)` is told about each.
let flushing = false;
export async function flush(report) {
  if (flushing || !navigator.onLine) return;
  flushing = true;
  try {
    const waiting = (await all()).sort((a, b) => a.queuedAt - b.queuedAt);  // in the order they were made
    for (const entry of waiting) {
      const outcome = await send(entry);
      if (outcome.waiting) break;
      await remove(entry.key);
      await report(entry, outcome);
    }
  } finally {
    flushing = false;
  }
}
