/* The offline-first day (ARCHITECTURE.md, "The offline queue"). Loaded by 今日拜访 and the
 * visit log (templates/cycle/_sync_status.html holds the indicator and the texts).
 *
 * - Registers the service worker (/sw.js, core/pwa.py): it keeps the app shell and, when
 *   today's list is opened online, the list and each listed customer's visit page
 *   (prefetched here, cached per user and day).
 * - Every htmx POST inside [data-sync-queue] gets a client_id (a UUID made here) and
 *   tapped_at (the device's time of the tap, ISO 8601 with offset). Offline (or while older
 *   writes still wait, so the order holds), the request is not sent: it is stored in
 *   IndexedDB — FormData entries, File and Blob values included — and the page shows it as
 *   待同步. A request that fails on the way is stored the same way (a replay is harmless:
 *   the server applies a client_id once).
 * - The queue is sent oldest first when the browser is back online (and on every page
 *   load, and every few seconds while anything waits); each answer is swapped into the page
 *   when the page shows that visit. What the server refuses moves to 未能同步, shown with
 *   its content until the manager removes it: nothing is lost.
 * - window.syncQueue.submit({url, formData, target, swap, label, visit}) queues any other
 *   write of the visit page the same way (e.g. a photo upload: multipart, Blob values).
 */
(function () {
  "use strict";

  var box = document.getElementById("sync-box");
  if (!box) {
    return;
  }
  var user = box.getAttribute("data-sync-user") || "";
  var line = document.getElementById("sync-line");
  var failedBox = document.getElementById("sync-failed");
  var form = document.querySelector("[data-sync-queue][data-visit]");
  var visitKey = form ? form.getAttribute("data-visit") : "";
  var LAST_KEY = "sync:last:" + user;
  var RETRY_MS = 10000;
  var DB_NAME = "work135-sync";
  var pending = 0;
  var timer = null;
  var stopped = ""; // why sending stopped (signed out): shown until a send works again

  function t(key) {
    return box.getAttribute("data-t-" + key) || "";
  }

  // --- ids and times made on the device ---------------------------------------------------
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b); // available outside secure contexts too
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return [h.slice(0, 4).join(""), h.slice(4, 6).join(""), h.slice(6, 8).join(""),
      h.slice(8, 10).join(""), h.slice(10).join("")].join("-");
  }

  function pad(n, w) {
    return String(n).padStart(w || 2, "0");
  }

  function isoNow() { // local time with its offset, milliseconds kept
    var d = new Date();
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." +
      pad(d.getMilliseconds(), 3) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function clock(iso, seconds) { // "HH:MM" (or "HH:MM:SS") as the device shows it
    var d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + (seconds ? ":" + pad(d.getSeconds()) : "");
  }

  // --- IndexedDB: "queue" (waiting, oldest first) and "failed" (未能同步) -------------------
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) {
          reject(new Error("no IndexedDB"));
          return;
        }
        var request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var d = request.result;
          d.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
          d.createObjectStore("failed", { keyPath: "seq", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var transaction = d.transaction(store, mode);
        var result = work(transaction.objectStore(store));
        transaction.oncomplete = function () { resolve(result ? result.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function all(store) {
    return tx(store, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === user; });
    });
  }

  function put(store, item) {
    return tx(store, "readwrite", function (s) { return s.put(item); });
  }

  function remove(store, seq) {
    return tx(store, "readwrite", function (s) { return s.delete(seq); });
  }

  // --- what a queued item is ------------------------------------------------------------
  function entriesOf(formData) {
    var entries = [];
    formData.forEach(function (value, name) { entries.push([name, value]); });
    return entries;
  }

  function valueOf(item, name) {
    for (var i = 0; i < item.entries.length; i++) {
      if (item.entries[i][0] === name) {
        return item.entries[i][1];
      }
    }
    return null;
  }

  function fieldOf(url) { // .../save/<name>/ → <name>
    var m = /\/save\/([^/]+)\/?$/.exec(url);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function labelOf(elt) {
    if (!elt) {
      return "";
    }
    var own = elt.getAttribute("data-sync-label");
    if (own) {
      return own;
    }
    if (elt.name === "mark") {
      var li = elt.closest("li");
      var text = li && li.querySelector(".act-text");
      return text ? text.firstChild.textContent.trim() : elt.textContent.trim();
    }
    var group = elt.closest("[role=radiogroup]");
    if (group) {
      return group.getAttribute("aria-label") || "";
    }
    if (elt.id) {
      var label = document.querySelector('label[for="' + elt.id + '"]');
      if (label) {
        return label.textContent.trim();
      }
    }
    return elt.getAttribute("aria-label") || elt.textContent.trim();
  }

  function shownValue(item) {
    var parts = [];
    item.entries.forEach(function (entry) {
      var name = entry[0], value = entry[1];
      if (name === "client_id" || name === "tapped_at" || name === "csrfmiddlewaretoken") {
        return;
      }
      if (value && typeof value === "object" && "size" in value) {
        parts.push(value.name || "(" + value.size + " B)");
      } else if (item.field === "mark") {
        parts.push(String(value).slice(-2) === ":1" ? "★" : "☆");
      } else if (item.field === "checkin" || item.field === "checkout") {
        parts.push(clock(item.tapped_at, true));
      } else if (String(value).trim()) {
        parts.push(String(value));
      }
    });
    if (!parts.length && (item.field === "checkin" || item.field === "checkout")) {
      parts.push(clock(item.tapped_at, true));
    }
    return parts.join(" ");
  }

  // --- the indicator --------------------------------------------------------------------
  function lastSync() {
    try {
      return window.localStorage.getItem(LAST_KEY);
    } catch (e) {
      return null;
    }
  }

  function synced() {
    try {
      window.localStorage.setItem(LAST_KEY, new Date().toISOString());
    } catch (e) { /* storage refused: the time is only not shown */ }
  }

  function render() {
    return Promise.all([all("queue"), all("failed")]).then(function (lists) {
      var queue = lists[0], failed = lists[1];
      pending = queue.length;
      var last = lastSync();
      var text = t("line").replace("{n}", String(pending)).replace("{t}", last ? clock(last) : t("never"));
      if (stopped) {
        text += " · " + stopped;
      } else if (navigator.onLine === false) {
        text += " · " + t("offline");
      }
      line.textContent = text;
      line.setAttribute("data-count", String(pending));
      line.hidden = false;
      line.classList.toggle("waiting", pending > 0);
      renderFailed(failed);
      if (pending > 0 && !timer) {
        timer = window.setInterval(flush, RETRY_MS);
      } else if (pending === 0 && timer) {
        window.clearInterval(timer);
        timer = null;
      }
    }, function () {
      line.hidden = true; // no IndexedDB (private mode): the page works online as before
    });
  }

  function renderFailed(failed) {
    var list = failedBox.querySelector("ul");
    list.textContent = "";
    failed.forEach(function (item) {
      var li = document.createElement("li");
      var what = document.createElement("strong");
      what.textContent = (item.label || item.field) + "：";
      li.appendChild(what);
      li.appendChild(document.createTextNode(shownValue(item) + " "));
      var when = document.createElement("small");
      when.className = "muted";
      when.textContent = "（" + item.visit_label + " " + clock(item.tapped_at) + "）";
      li.appendChild(when);
      var why = document.createElement("span");
      why.className = "error";
      why.textContent = " " + (item.reason || "");
      li.appendChild(why);
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "link";
      dismiss.textContent = t("dismiss");
      dismiss.addEventListener("click", function () {
        remove("failed", item.seq).then(render);
      });
      li.appendChild(dismiss);
      list.appendChild(li);
    });
    failedBox.hidden = failed.length === 0;
  }

  // --- the page shows what waits (optimistically) ----------------------------------------
  function badge() {
    var span = document.createElement("span");
    span.className = "sync-badge";
    span.textContent = t("queued");
    return span;
  }

  function showQueued(item) {
    if (!form || item.visit !== visitKey) {
      return;
    }
    var field = item.field;
    var times = document.getElementById("times");
    if ((field === "checkin" || field === "checkout") && times) {
      var cells = times.querySelectorAll("dd");
      var cell = cells[field === "checkin" ? 0 : 1];
      if (cell) {
        cell.textContent = clock(item.tapped_at, true) + " ";
        cell.appendChild(badge());
      }
      var button = times.querySelector('button[name="op"]');
      if (button) {
        var path = button.getAttribute("hx-post").replace(/\/(checkin|checkout)\/$/, "/checkout/");
        var next = button.cloneNode(false);
        next.setAttribute("hx-post", path);
        next.value = "checkout";
        next.textContent = t(field === "checkin" ? "checkout" : "recheckout");
        button.replaceWith(next);
        if (window.htmx) {
          window.htmx.process(next);
        }
      }
      return;
    }
    if (field === "mark") {
      var value = String(valueOf(item, "mark") || "");
      var li = document.getElementById("act-" + value.split(":")[0]);
      if (!li) {
        return;
      }
      var done = value.slice(-2) === ":1";
      var pk = value.split(":")[0];
      li.classList.toggle("done", done);
      var mark = li.querySelector(".mark");
      if (mark) {
        if (!mark.hasAttribute("data-open")) {
          mark.setAttribute("data-open", done ? mark.textContent : "★");
        }
        mark.textContent = done ? "★" : mark.getAttribute("data-open");
      }
      var toggle = li.querySelector('button[name="mark"]');
      if (toggle) {
        toggle.value = pk + ":" + (done ? "0" : "1");
        toggle.textContent = done ? t("undo") : "★ " + t("done");
        toggle.classList.toggle("primary", !done);
      }
      var old = li.querySelector(".sync-badge");
      if (old) {
        old.remove();
      }
      (li.querySelector(".act-text") || li).appendChild(badge());
      return;
    }
    if (field === "task") {
      var list = document.querySelector("#actions .log-actions");
      if (list) {
        var row = document.createElement("li");
        row.className = "log-action";
        row.textContent = "● " + (valueOf(item, "task") || "") + " ";
        row.appendChild(badge());
        list.appendChild(row);
      }
      var input = form.elements.task;
      if (input) {
        input.value = "";
      }
      return;
    }
    // a field saved on its own: its value on the page, its status says 待同步
    var control = form.elements[field];
    var sent = valueOf(item, field);
    if (control && sent !== null && typeof sent === "string") {
      control.value = sent; // a radio group takes the checked value too
    }
    var status = document.getElementById("st-" + field);
    if (status) {
      status.textContent = "";
      status.appendChild(badge());
    }
  }

  function say(text) {
    var banner = document.getElementById("net-status");
    if (banner) {
      banner.textContent = text;
      banner.className = "net-status trouble";
      banner.hidden = !text;
    }
  }

  // --- queueing ---------------------------------------------------------------------------
  function enqueue(item, elt) {
    item.queued = true;
    return put("queue", item).then(function () {
      showQueued(item);
      if (elt && form) { // visit_log.js: the device holds it now, its local copy can go
        form.dispatchEvent(new CustomEvent("sync:queued", { detail: { entries: item.entries } }));
      }
      if (elt && elt.dispatchEvent && !(form && form.contains(elt))) {
        // a form of its own (the photos'): it may send its next upload
        elt.dispatchEvent(new CustomEvent("sync:queued", { detail: { entries: item.entries } }));
      }
      return render();
    }).then(function () {
      if (navigator.onLine !== false) {
        flush();
      }
    }, function () {
      say(t("offline"));
    });
  }

  function newItem(url, formData, opts) {
    opts = opts || {};
    var item = {
      user: user,
      client_id: uuid(),
      tapped_at: isoNow(),
      url: url,
      field: opts.field || fieldOf(url),
      target: opts.target || "",
      swap: opts.swap || "outerHTML",
      label: opts.label || "",
      visit: opts.visit || visitKey,
      visit_label: opts.visitLabel || (document.querySelector(".log-title") || {}).textContent || "",
      entries: []
    };
    formData.set("client_id", item.client_id);
    formData.set("tapped_at", item.tapped_at);
    item.entries = entriesOf(formData);
    item.visit_label = String(item.visit_label).trim().split(/\s+/)[0] || "";
    return item;
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var elt = detail.elt;
    if (detail.verb !== "post" || !elt.closest || !elt.closest("[data-sync-queue]")) {
      return;
    }
    var target = detail.target;
    var item = newItem(detail.path, detail.formData, {
      target: target && target.id ? "#" + target.id : "",
      swap: elt.getAttribute("hx-swap") || "innerHTML",
      label: labelOf(elt)
    });
    elt.syncItem = item;
    if (navigator.onLine === false || pending > 0) {
      event.preventDefault(); // kept in order behind what already waits
      enqueue(item, elt);
    }
  });

  function failedOnTheWay(event) {
    var elt = event.detail.elt;
    var item = elt && elt.syncItem;
    if (item && !item.queued) {
      enqueue(item, elt);
    }
  }
  document.body.addEventListener("htmx:sendError", failedOnTheWay);
  document.body.addEventListener("htmx:timeout", failedOnTheWay);
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 500) {
      failedOnTheWay(event);
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var item = event.detail.elt && event.detail.elt.syncItem;
    if (item && !item.queued && xhr && xhr.status > 0 && xhr.status < 500) {
      synced();
      render();
    }
  });

  // the whole-page save while offline: every field already waits in the queue
  if (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        if (document.activeElement && document.activeElement.blur) {
          document.activeElement.blur(); // a field being typed in is queued by its "change"
        }
        say(t("saved-offline"));
      }
    });
  }

  // --- sending the queue ------------------------------------------------------------------
  var flushing = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function send(item) {
    var body = new FormData();
    item.entries.forEach(function (entry) {
      var value = entry[1];
      if (value && typeof value === "object" && "size" in value && value.name) {
        body.append(entry[0], value, value.name);
      } else {
        body.append(entry[0], value);
      }
    });
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual", // signed out: the login redirect is not followed
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "X-Sync-Queue": "1" }
    }).then(function (response) {
      var state = response.headers.get("X-Sync");
      if (response.type === "opaqueredirect" || response.status === 403 && !state) {
        stopped = t("login");
        throw new Error("signed out");
      }
      if (!state) {
        if (response.status >= 500 || response.status === 0) {
          throw new Error("server"); // try again later
        }
        state = "refused"; // 404 (no longer this manager's customer), 400…
      }
      stopped = "";
      return response.text().then(function (html) {
        var reason = response.headers.get("X-Sync-Message");
        reason = reason ? decodeURIComponent(reason) : (response.ok ? "" : String(response.status));
        var done = remove("queue", item.seq);
        if (state === "refused") {
          item.reason = reason;
          done = done.then(function () { return put("failed", item); });
        } else {
          synced();
        }
        if (response.ok && item.target && item.visit === visitKey && window.htmx) {
          var target = document.querySelector(item.target);
          if (target) {
            window.htmx.swap(target, html, { swapStyle: item.swap, swapDelay: 0, settleDelay: 0 });
          }
        }
        return done;
      });
    });
  }

  function flush() {
    if (flushing) {
      return flushing;
    }
    if (navigator.onLine === false) {
      return render();
    }
    flushing = all("queue").then(function (items) {
      items.sort(function (a, b) { return a.seq - b.seq; });
      return items.reduce(function (chain, item) {
        return chain.then(function () { return send(item); }).then(render);
      }, Promise.resolve());
    }).catch(function () { /* offline again, signed out, server down: later */ })
      .then(function () {
        flushing = null;
        return render();
      });
    return flushing;
  }

  window.addEventListener("online", function () { stopped = ""; flush(); });
  window.addEventListener("offline", render);

  window.syncQueue = {
    submit: function (opts) {
      var item = newItem(opts.url, opts.formData, opts);
      return enqueue(item, null);
    },
    flush: flush,
    items: function () { return all("queue"); },
    failed: function () { return all("failed"); }
  };

  // --- the service worker and the day kept on the device -----------------------------------
  function prefetchDay(registration) {
    if (!box.hasAttribute("data-prefetch") || navigator.onLine === false) {
      return;
    }
    var urls = [window.location.pathname];
    ["data-today-url", "data-day-url"].forEach(function (name) {
      if (box.getAttribute(name)) {
        urls.push(box.getAttribute(name));
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("a[data-offline-page]"), function (a) {
      urls.push(a.getAttribute("href"));
    });
    urls = urls.filter(function (url, i) { return urls.indexOf(url) === i; });
    var worker = registration.active;
    if (!worker) {
      return;
    }
    var channel = new MessageChannel();
    channel.port1.onmessage = function (message) {
      var pages = document.querySelectorAll("a[data-offline-page]").length;
      whenControlled().then(function () {
        if (message.data && message.data.ok) {
          box.setAttribute("data-offline-ready", String(message.data.count));
          var ready = document.getElementById("sync-ready");
          if (ready) {
            ready.textContent = t("ready").replace("{n}", String(pages));
            ready.hidden = false;
          }
        }
      });
    };
    worker.postMessage({ type: "prefetch", user: user, day: box.getAttribute("data-sync-day"), urls: urls }, [channel.port2]);
  }

  function whenControlled() {
    return new Promise(function (resolve) {
      if (navigator.serviceWorker.controller) {
        resolve();
        return;
      }
      navigator.serviceWorker.addEventListener("controllerchange", function () { resolve(); });
      window.setTimeout(resolve, 5000);
    });
  }

  if ("serviceWorker" in navigator && box.getAttribute("data-sw")) {
    navigator.serviceWorker.register(box.getAttribute("data-sw"), { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(prefetchDay, function () { /* no service worker (plain http): online only */ });
  }

  // --- on load: what waits for this visit, then send it ------------------------------------
  function start() {
    all("queue").then(function (items) {
      items.sort(function (a, b) { return a.seq - b.seq; });
      items.forEach(showQueued);
    }).catch(function () {}).then(function () {
      return render();
    }).then(function () {
      if (navigator.onLine !== false) {
        flush();
      }
    });
  }
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start); // after htmx has set up the controls
  }
})();
