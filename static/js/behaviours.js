/* Small page behaviours declared with data-* attributes, so that no template needs an inline
 * event handler (the Content-Security-Policy allows scripts from static files only).
 *
 *   <input type="checkbox" data-check-all="skus">  ticks/unticks every input[name=skus] of its form
 *   <select data-autosubmit>                       submits its form when the choice changes
 *   <button type="button" data-print>              opens the print dialog
 *   <button type="button" data-history-back hidden> shown when there is a page to go back to
 *   <button type="button" data-disclosure aria-expanded="false" aria-controls="ID">
 *                                                  shows/hides #ID by flipping aria-expanded (the CSS
 *                                                  shows the element after an expanded button); Escape
 *                                                  closes it and gives the focus back to the button
 *   <div class="table-wrap">                       a horizontal scroll region: while its table is wider
 *                                                  than it, it is a named, focusable region (tabindex=0,
 *                                                  role=region, aria-label from the nearest heading) so a
 *                                                  keyboard can scroll it; otherwise it is left alone
 *
 * htmx does not swap a 4xx/5xx answer into the page (nor does anything when the server cannot
 * be reached), so without help a click would seem to do nothing: the #request-error box of
 * base.html then shows the error page's own title and summary, or a general message.
 *
 * Listeners sit on the document, so content swapped in by htmx works too. Loaded by base.html. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var all = target.closest("input[data-check-all]");
    if (all && all.form) {
      var boxes = all.form.querySelectorAll('input[name="' + all.dataset.checkAll + '"]');
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
      return;
    }
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    var toggle = target.closest("button[data-disclosure]");
    if (toggle) {
      setExpanded(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    if (target.closest("[data-history-back]")) {
      window.history.back();
      return;
    }
    if (target.closest("#request-error")) {
      hideRequestError();
    }
  });

  function setExpanded(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll('button[data-disclosure][aria-expanded="true"]').forEach(function (toggle) {
      var panel = document.getElementById(toggle.getAttribute("aria-controls"));
      if (panel && panel.contains(document.activeElement)) {
        toggle.focus();
      }
      setExpanded(toggle, false);
    });
  });

  // --- scroll regions -----------------------------------------------------------------------
  function headingBefore(element) {
    for (var node = element; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) {
          return prev;
        }
        var inner = prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner.length) {
          return inner[inner.length - 1];
        }
      }
    }
    return document.querySelector("h1");
  }

  function regionName(wrap) {
    var caption = wrap.querySelector("caption");
    var table = wrap.querySelector("table[aria-label]");
    var heading = headingBefore(wrap);
    var name = caption ? caption.textContent : table ? table.getAttribute("aria-label") : heading ? heading.textContent : document.title;
    return name.replace(/\s+/g, " ").trim();
  }

  function markScrollRegions() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", regionName(wrap));
        wrap.dataset.scrollRegion = "";
      } else if (!scrolls && wrap.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }

  var resizeTimer = null;
  markScrollRegions();
  document.addEventListener("htmx:load", markScrollRegions);
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(markScrollRegions, 150);
  });
  // a table in a <details> only gets a width when it opens ("toggle" does not bubble: capture)
  document.addEventListener("toggle", markScrollRegions, true);

  if (window.history.length > 1) {
    document.querySelectorAll("[data-history-back]").forEach(function (button) {
      button.hidden = false;
    });
  }

  // --- htmx requests that fail --------------------------------------------------------------
  var hideTimer = null;

  function hideRequestError() {
    var box = document.getElementById("request-error");
    if (box) {
      box.hidden = true;
    }
  }

  function showRequestError(title, text) {
    var box = document.getElementById("request-error");
    if (!box) {
      return;
    }
    box.textContent = "";
    if (title) {
      var strong = document.createElement("strong");
      strong.textContent = title;
      box.appendChild(strong);
      box.appendChild(document.createTextNode(" "));
    }
    box.appendChild(document.createTextNode(text));
    box.hidden = false;
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hideRequestError, 12000);
  }

  // The visit log (static/js/visit_log.js) reports its own failures in #net-status.
  function pageHandlesItsOwn() {
    return document.getElementById("net-status") !== null;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("request-error");
    if (!box || pageHandlesItsOwn()) {
      return;
    }
    var xhr = event.detail.xhr;
    var title = "";
    var text = "";
    if (xhr && /html/.test(xhr.getResponseHeader("Content-Type") || "")) {
      // one of templates/4xx.html / 5xx.html: its words, already in the page's language
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var heading = page.querySelector(".error-page h1");
      var summary = page.querySelector(".error-page .error-summary");
      title = heading ? heading.textContent.trim() : "";
      text = summary ? summary.textContent.trim() : "";
    }
    if (!text) {
      text = box.dataset.failed + (xhr ? " (" + xhr.status + ")" : "");
    }
    showRequestError(title, text);
  });

  function offline() {
    var box = document.getElementById("request-error");
    if (box && !pageHandlesItsOwn()) {
      showRequestError("", box.dataset.offline);
    }
  }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
