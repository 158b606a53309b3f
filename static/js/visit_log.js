/* The visit log (拜访记录) on a phone: typed text must survive a lost connection.
 *
 * Every field marked data-keep is copied to localStorage (key: the visit's day and customer,
 * which exist before the visit does — its first save creates it — and the field name) as it is
 * typed or picked, and removed once the server has confirmed that very value ("已保存").
 * On reload a kept value that differs from the server's is put back and sent again.
 * When a request cannot reach the server, or the server fails, a message says so and the
 * fields marked data-retry are sent again every few seconds and when the browser is back
 * online. Loaded only by templates/cycle/visit_log.html; no other dependency than htmx. */
(function () {
  "use strict";

  var RETRY_MS = 8000;
  var form = document.getElementById("visit-form");
  if (!form || !form.dataset.visit) {
    return;
  }
  var banner = document.getElementById("net-status");
  var prefix = "visitlog:" + form.dataset.visit + ":";
  var pending = new Set();
  var timer = null;

  var TEXT = {
    offline: "网络异常，内容已保存在本机，恢复网络后会自动重试。",
    server: "服务器暂时无法保存，内容已保存在本机，稍后会自动重试。",
    again: "网络异常，这一项没有保存成功，请恢复网络后再点一次。",
    restored: "已恢复本机保存的未提交内容，正在重新保存……",
    back: "已重新保存成功。"
  };

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // private mode or disabled: the page still works, without the copy
    }
  }

  function valueOf(name) {
    var field = form.elements[name];
    return field ? field.value : null; // a radio group answers with its checked value
  }

  function keep(name) {
    var store = storage();
    var value = valueOf(name);
    if (store && value !== null) {
      try {
        store.setItem(prefix + name, value);
      } catch (e) { /* storage full: nothing more we can do here */ }
    }
  }

  function forget(name, sent) {
    var store = storage();
    // only when what is kept is what the server confirmed (not text typed since)
    if (store && store.getItem(prefix + name) === sent) {
      store.removeItem(prefix + name);
    }
  }

  function say(text, kind) {
    if (!banner) {
      return;
    }
    banner.textContent = text;
    banner.className = "net-status " + (kind || "");
    banner.hidden = !text;
  }

  function sentNames(elt) {
    var params = elt.getAttribute("hx-params") || "";
    if (params === "none" || params === "*" || !params) {
      return [];
    }
    return params.split(",").map(function (n) { return n.trim(); });
  }

  function isKept(elt) {
    return elt && elt.hasAttribute && elt.hasAttribute("data-keep");
  }

  // --- copy as the user types or picks ----------------------------------------------------
  function onEdit(event) {
    if (isKept(event.target) && event.target.name) {
      keep(event.target.name);
    }
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);
  // queued by static/js/offline.js: the device's queue holds these values now
  form.addEventListener("sync:queued", function (event) {
    (event.detail.entries || []).forEach(function (entry) {
      if (typeof entry[1] === "string") {
        forget(entry[0], entry[1]);
      }
    });
  });

  // Enter in a one-line field saves that field (or adds the task), not the whole form
  form.addEventListener("keydown", function (event) {
    var elt = event.target;
    if (event.key !== "Enter" || elt.tagName !== "INPUT" || elt.type === "radio") {
      return;
    }
    event.preventDefault();
    if (elt.name === "task") {
      var add = form.querySelector('button[name="op"][value="task"]');
      if (add) {
        add.click();
      }
    } else {
      elt.blur(); // fires "change", which sends the field
    }
  });

  // --- what each request sent, and what came back ----------------------------------------
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var sent = {};
    sentNames(elt).forEach(function (name) { sent[name] = valueOf(name); });
    elt.visitLogSent = sent;
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status === 0 || xhr.status >= 500) {
      return; // htmx:sendError / htmx:responseError handle these
    }
    var hadTrouble = pending.size > 0;
    pending.delete(elt);
    var text = xhr.responseText || "";
    var saved = text.indexOf('data-saved="1"') !== -1;
    var sent = elt.visitLogSent || {};
    Object.keys(sent).forEach(function (name) {
      if (saved && sent[name] !== null) {
        forget(name, sent[name]);
      }
      var field = form.elements[name];
      if (field && field.classList) {
        field.classList.toggle("invalid", !saved);
        field.setAttribute("aria-invalid", saved ? "false" : "true");
      }
    });
    if (hadTrouble && pending.size === 0) {
      say(TEXT.back, "ok");
      window.setTimeout(function () { if (pending.size === 0) { say(""); } }, 4000);
    }
  });

  function failed(event, text) {
    var elt = event.detail.elt;
    if (elt && elt.syncItem) {
      return; // static/js/offline.js has queued it on the device: sent when back online
    }
    if (elt && elt.hasAttribute("data-retry")) {
      pending.add(elt);
      say(text, "trouble");
      if (!timer) {
        timer = window.setInterval(retry, RETRY_MS);
      }
    } else {
      say(TEXT.again, "trouble"); // check-in, check-out, a new task: the user decides
    }
  }
  document.body.addEventListener("htmx:sendError", function (e) { failed(e, TEXT.offline); });
  document.body.addEventListener("htmx:responseError", function (e) { failed(e, TEXT.server); });
  document.body.addEventListener("htmx:timeout", function (e) { failed(e, TEXT.offline); });

  function send(elt) {
    if (!window.htmx) {
      return;
    }
    window.htmx.trigger(elt, elt.tagName === "BUTTON" ? "click" : "change");
  }

  function retry() {
    if (pending.size === 0) {
      window.clearInterval(timer);
      timer = null;
      return;
    }
    if (navigator.onLine === false) {
      return; // the "online" event will send them
    }
    Array.from(pending).forEach(function (elt) {
      if (!document.body.contains(elt)) {
        pending.delete(elt); // replaced by a later answer
        return;
      }
      send(elt);
    });
  }
  window.addEventListener("online", retry);

  // --- put back what was typed but never confirmed ---------------------------------------
  function restore() {
    var store = storage();
    if (!store) {
      return;
    }
    var resend = [];
    var seen = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-keep]"), function (elt) {
      var name = elt.name;
      if (!name || seen[name]) {
        return;
      }
      seen[name] = true;
      var kept = store.getItem(prefix + name);
      if (kept === null) {
        return;
      }
      var field = form.elements[name];
      if (field.value === kept) {
        store.removeItem(prefix + name); // the server has it already
        return;
      }
      field.value = kept;
      if (elt.type === "radio") {
        var checked = form.querySelector('input[name="' + name + '"]:checked');
        if (checked) {
          resend.push(checked);
        }
      } else if (elt.hasAttribute("hx-post")) {
        resend.push(elt);
      } else {
        elt.classList.add("restored"); // e.g. a task not added yet: shown, sent by the user
      }
    });
    if (resend.length || form.querySelector(".restored")) {
      say(TEXT.restored, "trouble");
      resend.forEach(function (elt) {
        pending.add(elt);
        send(elt);
      });
      if (!resend.length) {
        window.setTimeout(function () { say(""); }, 4000);
      }
    }
  }

  if (document.readyState === "complete") {
    restore();
  } else {
    window.addEventListener("load", restore); // after htmx has set up the controls
  }
})();
