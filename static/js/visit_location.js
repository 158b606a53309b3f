/* The browser's position at check-in (settings.VISIT_LOCATION_ENABLED; loaded by
 * templates/cycle/_shelf_photos.html only then).
 *
 * A tap on 进店签到 first asks navigator.geolocation (high accuracy, at most 10 s, a fix up to
 * 30 s old will do), then checks in as the button always does, with latitude, longitude and
 * accuracy_m added: to the htmx request (htmx:configRequest) and, for the plain form, as hidden
 * fields. A refused or failed position still checks in, without one: the check-in never waits
 * on the GPS. The server stores the position of the first check-in only (cycle.services.visits). */
(function () {
  "use strict";

  if (!navigator.geolocation) {
    return;
  }
  var BUTTON = 'button[name="op"][value="checkin"]';
  var script = document.currentScript;
  var locating = (script && script.dataset.locating) || "…";
  var coords = null;
  var waiting = false;

  function hidden(form, name, value) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function values() {
    return {
      latitude: coords.latitude.toFixed(6),
      longitude: coords.longitude.toFixed(6),
      accuracy_m: String(Math.round(coords.accuracy || 0))
    };
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest(BUTTON) : null;
    if (!button || button.dataset.located === "1") {
      return;
    }
    // hold the check-in until the position is known (or not to be had)
    event.preventDefault();
    event.stopImmediatePropagation();
    if (waiting) {
      return;
    }
    waiting = true;
    var label = button.textContent;
    button.textContent = locating;
    button.setAttribute("aria-busy", "true");

    var gone = false;
    function go(position) {
      if (gone) {
        return;
      }
      gone = true;
      waiting = false;
      coords = position ? position.coords : null;
      button.textContent = label;
      button.removeAttribute("aria-busy");
      if (coords && button.form) {
        var found = values();
        Object.keys(found).forEach(function (name) { hidden(button.form, name, found[name]); });
      }
      button.dataset.located = "1";
      button.click();
    }

    navigator.geolocation.getCurrentPosition(go, function () { go(null); }, {
      enableHighAccuracy: true,
      timeout: 10000,
      maximumAge: 30000
    });
    // the timeout above does not count the time a permission prompt stays unanswered
    setTimeout(function () { go(null); }, 15000);
  }, true);

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!coords || !elt || !elt.matches || !elt.matches(BUTTON)) {
      return;
    }
    var found = values();
    Object.keys(found).forEach(function (name) { event.detail.parameters[name] = found[name]; });
  });
})();
