// What a page script expects of the browser, in node: a DOM and localStorage (jsdom), IndexedDB (fake-indexeddb),
// navigator.onLine, and fetch of the page's own relative URLs, answered by a real HTTP server in the test process
// (so forms go out as real multipart bodies, redirects are followed and a dropped connection is a real one).
import http from "node:http";
import { IDBFactory } from "fake-indexeddb";
import { JSDOM } from "jsdom";

const nodeFetch = globalThis.fetch;
const nodeClone = globalThis.structuredClone;

// Browsers keep a File (name, type) in IndexedDB; node 20's structuredClone turns it into a nameless Blob.
function cloneKeepingFiles(value, options) {
  if (value instanceof File) return new File([value], value.name, { type: value.type, lastModified: value.lastModified });
  if (Array.isArray(value)) return value.map((item) => cloneKeepingFiles(item, options));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneKeepingFiles(item, options)]));
  }
  return nodeClone(value, options);
}
globalThis.structuredClone = cloneKeepingFiles;

// A server whose answers each test sets: `server.on("POST /", (request) => ({status, headers, body}))`.
// Every request is kept in `server.requests` as {method, path, headers, form} (form: the parsed FormData of a POST).
export async function startServer() {
  const routes = new Map();
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const url = new URL(req.url, "http://localhost");
    const request = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, form: null };
    if (req.method === "POST") {
      request.form = await new Request(url, { method: "POST", headers: req.headers, body: Buffer.concat(chunks) }).formData();
    }
    requests.push(request);
    const handler = routes.get(`${req.method} ${url.pathname}`);
    const answer = handler ? await handler(request) : { status: 404, body: "not found" };
    if (answer.dropConnection) {
      res.socket.destroy();  // the answer is lost on the way back
      return;
    }
    res.writeHead(answer.status || 200, answer.headers || {});
    res.end(answer.body || "");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    on(route, handler) { routes.set(route, handler); },
    posts() { return requests.filter((r) => r.method === "POST"); },
    reset() { routes.clear(); requests.length = 0; this.token(); },
    // /csrf-token as the app answers it; each answer a new token, so a test sees which one was sent.
    token() {
      let n = 0;
      routes.set("GET /csrf-token", () => json({ csrf_token: `token-${++n}` }));
    },
    close() { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
  };
}

export const json = (data, status = 200) => ({ status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
export const html = (body, status = 200) => ({ status, headers: { "Content-Type": "text/html; charset=utf-8" }, body });

// Work in flight (IndexedDB connections open, requests unanswered), so that a test can wait until a page has
// finished what it started: all tests share one node process, and a page script still running when the next page
// opens would read that page's storage as its own.
let busy = 0;

function counted(factory) {
  const open = factory.open.bind(factory);
  factory.open = (...args) => {
    const request = open(...args);
    busy++;
    request.addEventListener("success", () => {
      const db = request.result;
      const close = db.close.bind(db);
      db.close = () => { busy--; close(); };
    });
    request.addEventListener("error", () => { busy--; });
    return request;
  };
  return factory;
}

// The answer read whole before it is handed over, so that "no request in flight" means what it says.
async function countedFetch(url, init) {
  busy++;
  try {
    const response = await nodeFetch(url, init);
    const body = await response.arrayBuffer();
    const copy = new Response([101, 204, 205, 304].includes(response.status) ? null : body,
                              { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperties(copy, { url: { value: response.url }, redirected: { value: response.redirected } });
    return copy;
  } finally {
    busy--;
  }
}

// Wait until the page scripts have nothing in flight: no open IndexedDB connection and no unanswered request
// through a few turns of the event loop (so that whatever a finished step starts next has started).
export async function settle() {
  await until(async () => {
    for (let turn = 0; turn < 5; turn++) {
      if (busy) return false;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return busy === 0;
  }, "the page scripts to finish");
}

// A fresh browser at `path` of `server`: a new page, empty IndexedDB and localStorage unless `keep` is given
// (a reload: the same phone's storage, a new page).
export function openPage(server, path, body = "", { online = true, keep = null } = {}) {
  const dom = new JSDOM(`<!doctype html><html><body>${body}</body></html>`, { url: server.origin + path });
  const { window } = dom;
  if (keep) for (const [key, value] of Object.entries(keep.localStorage)) window.localStorage.setItem(key, value);
  globalThis.window = window;
  globalThis.document = window.document;
  globalThis.localStorage = window.localStorage;
  globalThis.DOMParser = window.DOMParser;
  // jsdom has no CSS.escape; for a path inside a quoted attribute selector, quotes and backslashes are what matter.
  globalThis.CSS = { escape: (text) => text.replace(/["\\]/g, "\\$&") };
  globalThis.navigator = { onLine: online };
  globalThis.indexedDB = keep ? keep.indexedDB : counted(new IDBFactory());
  globalThis.fetch = (url, init) => countedFetch(new URL(url, window.location.href), init);
  return {
    window,
    document: window.document,
    // What survives a reload: the phone's storage.
    storage: () => ({
      localStorage: Object.fromEntries(Array.from({ length: window.localStorage.length }, (_, i) => {
        const key = window.localStorage.key(i);
        return [key, window.localStorage.getItem(key)];
      })),
      indexedDB: globalThis.indexedDB,
    }),
    goOnline() {
      globalThis.navigator.onLine = true;
      window.dispatchEvent(new window.Event("online"));
    },
  };
}

// Wait until `check()` returns something truthy (the exact state a test waits for), or fail after `seconds`.
export async function until(check, what, seconds = 10) {
  const deadline = performance.now() + seconds * 1000;  // not Date: some tests set the clock
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
