/* Shelf photos on the visit log (templates/cycle/_shelf_photos.html): progressive enhancement.
 *
 * Without this script the photo form posts the picked files as they are and the page comes back
 * (the server checks and shrinks them: core/images.py). With it, each photo picked or taken is
 * shrunk in the browser first (canvas → JPEG, at most 1600 px on the long side, quality lowered
 * until it is about 300 KB: little to send on a weak connection, and a HEIC photo the browser can
 * show becomes a JPEG), then sent alone through the same htmx form with a client_id of its own
 * (a UUID: a replay of this upload by the offline queue changes nothing) and tapped_at (when it
 * was taken, by the device's clock). Photos go one after another; the photos partial is swapped
 * in after each. If the browser cannot decode a file, it is sent as it is and the server decides.
 * Texts come from the form's data-* attributes (translated by the template). */
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var MAX_BYTES = 300 * 1024;
  var QUALITIES = [0.85, 0.75, 0.65, 0.55, 0.45];
  var FORM = "[data-photo-form]";
  var queue = [];
  var busy = false;

  if (!window.htmx || !window.DataTransfer || !window.HTMLCanvasElement ||
      !HTMLCanvasElement.prototype.toBlob) {
    return; // the plain form does it all
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function form() {
    return document.querySelector(FORM);
  }

  function say(text, kind) {
    var box = document.querySelector("#photos .photo-status");
    if (!box) {
      return;
    }
    box.textContent = "";
    if (text) {
      var p = document.createElement("p");
      p.className = kind || "muted";
      p.textContent = text;
      box.appendChild(p);
    }
  }

  // the picture, upright (browsers apply the EXIF orientation when decoding for a canvas)
  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return decodeWithImg(file);
      });
    }
    return decodeWithImg(file);
  }

  function decodeWithImg(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        URL.revokeObjectURL(url);
        resolve(img);
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("undecodable"));
      };
      img.src = url;
    });
  }

  function toBlob(canvas, quality) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) {
          resolve(blob);
        } else {
          reject(new Error("encode failed"));
        }
      }, "image/jpeg", quality);
    });
  }

  function shrink(file) {
    return decode(file).then(function (picture) {
      var width = picture.naturalWidth || picture.width;
      var height = picture.naturalHeight || picture.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG on white, as the server does
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(picture, 0, 0, canvas.width, canvas.height);
      if (picture.close) {
        picture.close();
      }
      var attempt = function (index) {
        return toBlob(canvas, QUALITIES[index]).then(function (blob) {
          if (blob.size <= MAX_BYTES || index === QUALITIES.length - 1) {
            return blob;
          }
          return attempt(index + 1);
        });
      };
      return attempt(0);
    }).then(function (blob) {
      var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    }).catch(function () {
      return file; // the server checks and converts what it can, and says what it cannot
    });
  }

  function send(file, tapped) {
    var target = form();
    if (!target) {
      return Promise.resolve();
    }
    var inputs = target.querySelectorAll("input[type=file]");
    Array.prototype.forEach.call(inputs, function (input) { input.value = ""; });
    var carrier = target.querySelector("input[type=file][multiple]") || inputs[0];
    var transfer = new DataTransfer();
    transfer.items.add(file);
    carrier.files = transfer.files;
    target.elements.client_id.value = uuid();
    target.elements.tapped_at.value = tapped;
    return new Promise(function (resolve) {
      var finished = false;
      function done() {
        if (!finished) {
          finished = true;
          document.removeEventListener("htmx:afterRequest", after);
          resolve();
        }
      }
      function after(event) {
        if (event.detail && event.detail.elt === target) {
          done();
        }
      }
      document.addEventListener("htmx:afterRequest", after);
      // offline (static/js/offline.js): the device queue took it, no request is made now
      target.addEventListener("sync:queued", done, { once: true });
      setTimeout(done, 120000);
      if (target.requestSubmit) {
        target.requestSubmit();
      } else {
        htmx.trigger(target, "submit");
      }
    });
  }

  function pump() {
    if (busy || !queue.length) {
      return;
    }
    busy = true;
    var item = queue.shift();
    var current = form();
    say(current ? current.dataset.busy : "", "muted");
    shrink(item.file).then(function (small) {
      return send(small, item.tapped);
    }).then(function () {
      busy = false;
      pump();
    });
  }

  function deviceTime(file) {
    // a photo just taken: its file time is the tap; otherwise (or a clock before 2000) now.
    // The server keeps it only if it lies on the visit's day, not in the future.
    var when = file.lastModified && file.lastModified > 946684800000 ? file.lastModified : Date.now();
    return new Date(Math.min(when, Date.now())).toISOString();
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches(FORM + " input[type=file]")) {
      return;
    }
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) {
      return;
    }
    files.forEach(function (file) {
      queue.push({ file: file, tapped: deviceTime(file) });
    });
    input.value = "";
    pump();
  });
})();
