// Trygghetskartan's service worker: the resident pages and the crew's task list open without a connection.
// Pages: the network first, the kept copy when offline. Static files: the kept copy first.
// Reports and completions made offline are not sent from here: the page keeps them (IndexedDB) and sends
// them when the connection returns.
const VERSION = "{{ version }}";
const CACHE = `trygghetskartan-${VERSION}`;
const PRECACHE = {{ precache|safe }};
const OFFLINE_URL = "{{ offline_url }}";
// Pages kept as they are visited: the resident pages, public reports, tracking pages, campaign pages, the
// crew's task list and its jobs. Never other staff pages.
const KEEP = [/^\/$/, /^\/karta$/, /^\/tillganglighet$/, /^\/r\/[^/]+$/, /^\/t\/[^/]+$/, /^\/k\/[^/]+(\/g\/[^/]+)?$/,
  /^\/k\/[^/]+\/protokoll\/\d+$/, /^\/staff\/tasks(\/\d+)?$/, /^\/staff\/photos\/\d+\/(display|thumb)\.jpg$/,
  /^\/photos\/[0-9a-f]+\/(display|thumb)\.jpg$/, /^\/api\/v1\//, /^\/static\//];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("trygghetskartan-") && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// Every page kept at install is served from what is kept when offline, whatever KEEP says.
const PRECACHED_PAGES = new Set(PRECACHE.filter((path) => !path.startsWith("/static/")));

function kept(url) {
  return url.origin === self.location.origin
    && (PRECACHED_PAGES.has(url.pathname) || KEEP.some((pattern) => pattern.test(url.pathname)));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) cache.put(request, response.clone());
    // Gone (a redacted or rejected photo, a hidden report): drop the kept copy too, so it is not shown offline.
    else if (response.status === 404 || response.status === 410) await cache.delete(request);
    return response;
  } catch (error) {
    // ignoreVary: the answers vary by Accept-Encoding and Cookie, which a page on this phone has the same of.
    const copy = await cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
    if (copy) return copy;
    if (request.mode === "navigate") return (await cache.match(OFFLINE_URL)) || Response.error();
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const copy = await cache.match(request);
  if (copy) return copy;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;  // reports are never sent from here
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;  // map tiles go straight to the network
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (kept(url)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE_URL)) || Response.error()));
  }
});
