{% autoescape off %}/* The service worker (core/pwa.py renders it at /sw.js; ARCHITECTURE.md "The offline queue").
 *
 * Caches:
 *   shell-<version>      the app shell (CSS, JS, htmx, icons, manifest): served from the cache,
 *                        refreshed in the background; the old versions are dropped on activate.
 *   day-<user>-<date>    today's list and each listed customer's visit page, filled when 今日拜访
 *                        is opened online (static/js/offline.js posts "prefetch"); one day of one
 *                        user at a time: another day or user drops it, so do the login page and
 *                        signing out.
 * Pages: network first; the day's copy is refreshed by every page answer that it holds; with no
 * connection the copy is served, or a short offline page. Writes (POST) always go to the network:
 * offline, the page queues them itself (static/js/offline.js). */
"use strict";

const VERSION = "{{ version }}";
const SHELL_CACHE = "shell-" + VERSION;
const DAY_PREFIX = "day-";
const SHELL = {{ shell }};
const STATIC_PREFIX = {{ static_prefix }};
const LOGIN_PATHS = {{ login_paths }};
const LOGOUT_PATHS = {{ logout_paths }};
const OFFLINE_HTML = {{ offline_html }};
const FRESH_MS = 5 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

async function forgetDays(keep) {
  const keys = await caches.keys();
  await Promise.all(
    keys.filter((k) => k.startsWith(DAY_PREFIX) && k !== keep).map((k) => caches.delete(k))
  );
}

async function prefetch(data) {
  const name = DAY_PREFIX + data.user + "-" + data.day;
  await forgetDays(name);
  const cache = await caches.open(name);
  let count = 0;
  for (const url of data.urls || []) {
    const kept = await cache.match(url, { ignoreVary: true });
    if (kept && Date.now() - Date.parse(kept.headers.get("Date") || "") < FRESH_MS) {
      count += 1; // fetched a moment ago (the list opened again): not asked for again
      continue;
    }
    try {
      const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
      if (response.ok && response.type === "basic") {
        await cache.put(url, response);
        count += 1;
      }
    } catch (err) {
      // the connection dropped half-way: what is cached stays
    }
  }
  return count;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const answer = (message) => port && port.postMessage(message);
  if (data.type === "prefetch") {
    event.waitUntil(prefetch(data).then(
      (count) => answer({ ok: true, count }),
      (err) => answer({ ok: false, error: String(err) })
    ));
  } else if (data.type === "forget") {
    event.waitUntil(forgetDays(null).then(() => answer({ ok: true })));
  }
});

async function dayCacheHolding(url) {
  const keys = await caches.keys();
  for (const key of keys.filter((k) => k.startsWith(DAY_PREFIX))) {
    const cache = await caches.open(key);
    if (await cache.match(url, { ignoreVary: true })) {
      return cache;
    }
  }
  return null;
}

async function networkFirst(request) {
  const url = request.url.split("#")[0];
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      const cache = await dayCacheHolding(url);
      if (cache) {
        await cache.put(url, response.clone());
      }
    }
    return response;
  } catch (err) {
    const cached = await caches.match(url, { ignoreVary: true });
    return cached || new Response(OFFLINE_HTML, {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
}

async function shellFirst(event) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(event.request, { ignoreVary: true });
  const fresh = fetch(event.request).then((response) => {
    if (response.ok) {
      cache.put(event.request, response.clone());
    }
    return response;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => null));
    return cached;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method !== "GET") {
    if (LOGOUT_PATHS.includes(url.pathname)) {
      event.waitUntil(forgetDays(null)); // the day's pages are this user's
    }
    return;
  }
  if (LOGIN_PATHS.includes(url.pathname)) {
    event.waitUntil(forgetDays(null));
    return;
  }
  if (url.pathname.startsWith(STATIC_PREFIX) || SHELL.includes(url.pathname)) {
    event.respondWith(shellFirst(event));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  }
});
{% endautoescape %}
