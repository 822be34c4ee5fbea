/* The crop editor: a 16:9 box over the original, moved and resized with a mouse, a
   finger (pointer events) or the keyboard (arrows move it, shift+arrows resize it; each
   corner is a button whose arrows resize from that corner). The box is kept in the
   original's pixels and written into the form's x, y, w, h; Save posts the form. */
(function () {
  "use strict";

  var RATIO = 16 / 9;

  function setUp(editor) {
    var width = Number(editor.dataset.width);
    var height = Number(editor.dataset.height);
    var suggested = JSON.parse(document.getElementById(editor.dataset.suggested).textContent);
    var start = JSON.parse(document.getElementById(editor.dataset.start).textContent);
    var stage = editor.querySelector(".crop-stage");
    var frame = editor.querySelector(".crop-box");
    var shade = editor.querySelector(".crop-shade");
    var readout = editor.querySelector(".crop-readout");
    var form = editor.querySelector("form");
    var fields = {x: form.elements.x, y: form.elements.y, w: form.elements.w, h: form.elements.h};
    // The smallest box: a tenth of the picture's width, or 64 pixels if that is smaller.
    var minW = Math.min(Math.max(64, width / 10), largest().w);
    var step = Math.max(1, Math.round(width / 100));
    var box = copy(start);

    function copy(b) { return {x: b.x, y: b.y, w: b.w, h: b.h}; }

    function largest() {
      return width / height > RATIO ? {w: height * RATIO, h: height} : {w: width, h: width / RATIO};
    }

    function clampMove(b) {
      b.x = Math.min(Math.max(b.x, 0), width - b.w);
      b.y = Math.min(Math.max(b.y, 0), height - b.h);
      return b;
    }

    // A box of width w whose corner opposite `corner` stays at (ax, ay).
    function fromAnchor(corner, ax, ay, w) {
      var left = corner.indexOf("w") >= 0, up = corner.indexOf("n") >= 0;
      var most = Math.min(left ? ax : width - ax, (up ? ay : height - ay) * RATIO);
      w = Math.min(Math.max(w, Math.min(minW, most)), most);
      var h = w / RATIO;
      return {x: left ? ax - w : ax, y: up ? ay - h : ay, w: w, h: h};
    }

    function anchorOf(corner, b) {
      return {
        x: corner.indexOf("w") >= 0 ? b.x + b.w : b.x,
        y: corner.indexOf("n") >= 0 ? b.y + b.h : b.y
      };
    }

    function resizeAroundCentre(b, w) {
      var most = largest().w;
      w = Math.min(Math.max(w, minW), most);
      var cx = b.x + b.w / 2, cy = b.y + b.h / 2;
      return clampMove({x: cx - w / 2, y: cy - w / RATIO / 2, w: w, h: w / RATIO});
    }

    function draw(announce) {
      var rounded = {x: Math.round(box.x), y: Math.round(box.y), w: Math.round(box.w)};
      rounded.h = Math.round(rounded.w / RATIO);
      [frame, shade].forEach(function (element) {
        element.style.left = (box.x / width * 100) + "%";
        element.style.top = (box.y / height * 100) + "%";
        element.style.width = (box.w / width * 100) + "%";
        element.style.height = (box.h / height * 100) + "%";
      });
      Object.keys(fields).forEach(function (key) { fields[key].value = rounded[key]; });
      var text = "Box " + rounded.w + " × " + rounded.h + " pixels, " + rounded.x +
        " from the left and " + rounded.y + " from the top of the " + width + " × " +
        height + " original.";
      if (announce || !readout.textContent) {
        readout.textContent = text;
      }
    }

    // -- the pointer: a mouse, a pen or a finger ---------------------------------------
    var drag = null;

    function toPicture(event) {
      var rect = stage.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * width / rect.width,
        y: (event.clientY - rect.top) * height / rect.height
      };
    }

    frame.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var corner = event.target.dataset ? event.target.dataset.corner : null;
      drag = {corner: corner || null, from: toPicture(event), box: copy(box),
              anchor: corner ? anchorOf(corner, box) : null};
      frame.setPointerCapture(event.pointerId);
      frame.classList.add("crop-dragging");
      event.preventDefault();
    });

    frame.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var at = toPicture(event);
      if (drag.corner) {
        // The pointer's distance from the anchor along the box's diagonal: a drag along
        // it follows the pointer exactly, a sideways or an upward one still resizes.
        var dx = Math.abs(at.x - drag.anchor.x), dy = Math.abs(at.y - drag.anchor.y);
        var w = (16 * dx + 9 * dy) * 16 / 337;
        box = fromAnchor(drag.corner, drag.anchor.x, drag.anchor.y, w);
      } else {
        box = clampMove({x: drag.box.x + at.x - drag.from.x, y: drag.box.y + at.y - drag.from.y,
                         w: drag.box.w, h: drag.box.h});
      }
      draw(false);
    });

    function endDrag(event) {
      if (!drag) { return; }
      drag = null;
      frame.classList.remove("crop-dragging");
      if (frame.hasPointerCapture(event.pointerId)) {
        frame.releasePointerCapture(event.pointerId);
      }
      draw(true);
    }
    frame.addEventListener("pointerup", endDrag);
    frame.addEventListener("pointercancel", endDrag);

    // -- the keyboard --------------------------------------------------------------------
    var ARROWS = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};

    frame.addEventListener("keydown", function (event) {
      var arrow = ARROWS[event.key];
      if (!arrow) { return; }
      event.preventDefault();
      var corner = event.target.dataset ? event.target.dataset.corner : null;
      if (corner) {
        // A corner grows the box when its arrow points away from the box.
        var outwards = (arrow[0] < 0 && corner.indexOf("w") >= 0) ||
          (arrow[0] > 0 && corner.indexOf("e") >= 0) ||
          (arrow[1] < 0 && corner.indexOf("n") >= 0) ||
          (arrow[1] > 0 && corner.indexOf("s") >= 0);
        var anchor = anchorOf(corner, box);
        box = fromAnchor(corner, anchor.x, anchor.y, box.w + (outwards ? step : -step));
      } else if (event.shiftKey) {
        // Right and up make it bigger, left and down smaller, around its centre.
        var grow = arrow[0] > 0 || arrow[1] < 0;
        box = resizeAroundCentre(box, box.w + (grow ? step : -step));
      } else {
        box = clampMove({x: box.x + arrow[0] * step, y: box.y + arrow[1] * step,
                         w: box.w, h: box.h});
      }
      draw(true);
    });

    editor.querySelector(".crop-reset").addEventListener("click", function () {
      box = copy(suggested);
      draw(true);
    });

    editor.classList.add("crop-ready");
    draw(false);
  }

  // Saved: each TV's lane replaces the picture in its own time, and the list of TVs
  // follows it, read again from this page every few seconds until every TV is done.
  function follow(list) {
    if (!list.hasAttribute("data-replacing")) return;
    window.setTimeout(function () {
      fetch(window.location.href, {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (text) {
        var fresh = text && new DOMParser().parseFromString(text, "text/html")
          .getElementById("crop-tvs");
        if (!fresh) return follow(list);
        list.innerHTML = fresh.innerHTML;
        if (!fresh.hasAttribute("data-replacing")) list.removeAttribute("data-replacing");
        follow(list);
      }, function () { follow(list); });
    }, 3000);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".crop-editor"), setUp);
    var list = document.getElementById("crop-tvs");
    if (list) follow(list);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
