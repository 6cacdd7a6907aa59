// Keep the resident pages on the phone (the service worker), so that they open without a connection.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

// Logged out (or not logged in): forget the staff pages kept on this phone.
if (location.pathname.startsWith("/staff/login") && "caches" in window) {
  caches.keys().then((names) => Promise.all(names.map(async (name) => {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (new URL(request.url).pathname.startsWith("/staff/")) await cache.delete(request);
    }
  }))).catch(() => {});
}

// A report made offline is sent when the connection returns, whichever of our pages is open then.
if (!document.getElementById("outbox") && "indexedDB" in window) {
  import("./outbox.js").then(({ sendWaiting }) => {
    window.addEventListener("online", sendWaiting);
    sendWaiting();
  }).catch(() => {});
}
