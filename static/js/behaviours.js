/* Small page behaviours declared with data-* attributes, so that no template needs an inline
 * event handler (the Content-Security-Policy allows scripts from static files only).
 *
 *   <input type="checkbox" data-check-all="skus">  ticks/unticks every input[name=skus] of its form
 *   <select data-autosubmit>                       submits its form when the choice changes
 *   <button type="button" data-print>              opens the print dialog
 *   <button type="button" data-history-back hidden> shown when there is a page to go back to
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
    if (target.closest("[data-history-back]")) {
      window.history.back();
      return;
    }
    if (target.closest("#request-error")) {
      hideRequestError();
    }
  });

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
