// (RELEASE and SHELL are prepended by the web service: the release digest and the files to keep.)
// The shell opens from the phone when the network is down: pages network first, falling back to
// the kept copy; the shell's files from the cache of their release. API calls are never cached
// here: the app keeps its own data in IndexedDB.
const CACHE = `htx-shell-${RELEASE}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("htx-shell-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/session")) return;
  if (event.request.mode === "navigate") {
    event.respondWith(
      fetch(event.request)
        .then((answer) => {
          if (answer.ok) {
            const copy = answer.clone();
            caches.open(CACHE).then((cache) => cache.put(event.request, copy));
          }
          return answer;
        })
        .catch(() => caches.match(event.request, { ignoreSearch: false }).then((kept) => kept || caches.match("/"))),
    );
    return;
  }
  event.respondWith(caches.match(event.request).then((kept) => kept || fetch(event.request)));
});
