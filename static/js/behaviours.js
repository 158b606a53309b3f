/* Small page behaviours declared with data-* attributes, so that no template needs an inline
 * event handler (the Content-Security-Policy allows scripts from static files only).
 *
 *   <input type="checkbox" data-check-all="skus">  ticks/unticks every input[name=skus] of its form
 *   <select data-autosubmit>                       submits its form when the choice changes
 *   <button type="button" data-print>              opens the print dialog
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
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
