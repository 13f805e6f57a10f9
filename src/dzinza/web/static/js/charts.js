// The charts: pan and zoom an SVG chart by changing its viewBox (drag with a pointer, wheel,
// pinch, the arrow keys and + / - when the chart has focus, and the zoom buttons); and the
// name suggestions of the relationship form. Without this script a chart is a picture in a
// scrolling frame and the form is a plain search, so everything here only improves them.
(function () {
  "use strict";

  var DRAG_THRESHOLD = 4; // pixels before a press becomes a drag (and its click is cancelled)
  var KEY_STEP = 0.12; // part of the view an arrow key moves
  var ZOOM_STEP = 1.25;
  var MOST_ZOOM = 0.08; // at most 12.5 screen pixels per chart unit
  var READABLE = 1.6; // chart units per pixel above which a large chart opens at READABLE

  function number(element, name, fallback) {
    var value = parseFloat(element.getAttribute(name));
    return isFinite(value) ? value : fallback;
  }

  function Chart(view) {
    this.view = view;
    this.svg = view.querySelector("svg");
    var box = this.svg.viewBox.baseVal;
    this.full = { x: box.x, y: box.y, w: box.width, h: box.height };
    this.focus = {
      x: number(view, "data-focus-x", box.x + box.width / 2),
      y: number(view, "data-focus-y", box.y + box.height / 2)
    };
    this.anchor = view.getAttribute("data-anchor") || "fit";
    this.pointers = new Map();
    this.dragged = false;
    view.classList.add("is-live");
    this.reset();
    this.listen();
  }

  Chart.prototype.screen = function () {
    var rect = this.svg.getBoundingClientRect();
    return { left: rect.left, top: rect.top, w: rect.width || 800, h: rect.height || 500 };
  };

  // Chart units per screen pixel: the whole chart when that stays readable, else READABLE.
  Chart.prototype.fitScale = function () {
    var s = this.screen();
    return Math.max(this.full.w / s.w, this.full.h / s.h);
  };

  Chart.prototype.reset = function () {
    var s = this.screen();
    var fit = this.fitScale();
    var k = this.anchor === "fit" || fit <= READABLE ? Math.max(fit, 0.8) : 1;
    var w = s.w * k, h = s.h * k;
    var x = this.full.x + (this.full.w - w) / 2;
    var y = this.full.y + (this.full.h - h) / 2;
    if (k < fit) {
      if (this.anchor === "left") {
        x = this.full.x;
        y = this.focus.y - h / 2;
      } else if (this.anchor === "top") {
        x = this.focus.x - w / 2;
        y = this.full.y;
      }
    }
    this.view_ = { x: x, y: y, w: w, h: h };
    this.lastWidth = s.w;
    this.apply();
  };

  Chart.prototype.apply = function () {
    var v = this.view_;
    this.svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].map(function (n) {
      return Math.round(n * 100) / 100;
    }).join(" "));
  };

  // Zoom by `factor` (> 1 zooms out) around a point of the chart.
  Chart.prototype.zoom = function (factor, cx, cy) {
    var v = this.view_;
    var s = this.screen();
    var most = Math.max(this.fitScale() * 1.5, 2);
    var k = Math.min(Math.max((v.w / s.w) * factor, MOST_ZOOM), most);
    var applied = k / (v.w / s.w);
    if (cx === undefined) { cx = v.x + v.w / 2; cy = v.y + v.h / 2; }
    this.view_ = {
      x: cx - (cx - v.x) * applied,
      y: cy - (cy - v.y) * applied,
      w: v.w * applied,
      h: v.h * applied
    };
    this.apply();
  };

  Chart.prototype.pan = function (dx, dy) {
    this.view_.x += dx;
    this.view_.y += dy;
    this.apply();
  };

  // A point of the screen in chart units.
  Chart.prototype.at = function (clientX, clientY) {
    var s = this.screen(), v = this.view_;
    return { x: v.x + ((clientX - s.left) / s.w) * v.w, y: v.y + ((clientY - s.top) / s.h) * v.h };
  };

  Chart.prototype.listen = function () {
    var self = this, view = this.view;
    view.addEventListener("wheel", function (event) {
      event.preventDefault();
      var delta = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1);
      var p = self.at(event.clientX, event.clientY);
      self.zoom(Math.exp(delta * 0.0015), p.x, p.y);
    }, { passive: false });

    view.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) { return; }
      self.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY, startX: event.clientX, startY: event.clientY });
      self.dragged = false;
    });
    view.addEventListener("pointermove", function (event) {
      var known = self.pointers.get(event.pointerId);
      if (!known) { return; }
      var s = self.screen(), v = self.view_;
      if (self.pointers.size === 2) {
        var other = null;
        self.pointers.forEach(function (p, id) { if (id !== event.pointerId) { other = p; } });
        var before = Math.hypot(known.x - other.x, known.y - other.y);
        var after = Math.hypot(event.clientX - other.x, event.clientY - other.y);
        if (before > 0 && after > 0) {
          var mid = self.at((event.clientX + other.x) / 2, (event.clientY + other.y) / 2);
          self.zoom(before / after, mid.x, mid.y);
        }
        self.dragged = true;
      } else {
        if (!self.dragged && Math.hypot(event.clientX - known.startX, event.clientY - known.startY) < DRAG_THRESHOLD) {
          return;
        }
        if (!self.dragged) {
          self.dragged = true;
          view.classList.add("is-dragging");
          try { view.setPointerCapture(event.pointerId); } catch (ignored) { /* gone already */ }
        }
        self.pan(-(event.clientX - known.x) * (v.w / s.w), -(event.clientY - known.y) * (v.h / s.h));
      }
      known.x = event.clientX;
      known.y = event.clientY;
    });
    function release(event) {
      self.pointers.delete(event.pointerId);
      if (self.pointers.size === 0) { view.classList.remove("is-dragging"); }
    }
    view.addEventListener("pointerup", release);
    view.addEventListener("pointercancel", release);
    // A drag that ends on a person's box is not a click on it.
    view.addEventListener("click", function (event) {
      if (self.dragged) {
        event.preventDefault();
        event.stopPropagation();
        self.dragged = false;
      }
    }, true);

    view.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var v = self.view_;
      var moves = {
        ArrowLeft: [-v.w * KEY_STEP, 0], ArrowRight: [v.w * KEY_STEP, 0],
        ArrowUp: [0, -v.h * KEY_STEP], ArrowDown: [0, v.h * KEY_STEP]
      };
      if (moves[event.key]) {
        self.pan(moves[event.key][0], moves[event.key][1]);
      } else if (event.key === "+" || event.key === "=") {
        self.zoom(1 / ZOOM_STEP);
      } else if (event.key === "-" || event.key === "_") {
        self.zoom(ZOOM_STEP);
      } else if (event.key === "0" || event.key === "Home") {
        self.reset();
      } else {
        return;
      }
      event.preventDefault();
    });

    // Moving through the people with Tab brings each one into view (not a click's focus).
    view.addEventListener("focusin", function (event) {
      var target = event.target;
      if (!target || target === view || !target.matches(":focus-visible")) { return; }
      var r = target.getBoundingClientRect(), s = self.screen(), v = self.view_;
      var inside = r.left >= s.left && r.top >= s.top && r.right <= s.left + s.w && r.bottom <= s.top + s.h;
      if (!inside) {
        var centre = self.at((r.left + r.right) / 2, (r.top + r.bottom) / 2);
        self.view_.x = centre.x - v.w / 2;
        self.view_.y = centre.y - v.h / 2;
        self.apply();
      }
    });

    var resizing = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () {
        // Keep the centre and the scale of the view; the window's new shape decides the rest.
        var v = self.view_, s = self.screen();
        var scale = v.w / (self.lastWidth || s.w);
        var cx = v.x + v.w / 2, cy = v.y + v.h / 2;
        self.view_ = { x: cx - (s.w * scale) / 2, y: cy - (s.h * scale) / 2, w: s.w * scale, h: s.h * scale };
        self.lastWidth = s.w;
        self.apply();
      }, 150);
    });
  };

  // -- name suggestions (relationship form) ----------------------------------------------------
  function suggestions(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var picked = document.getElementById(input.getAttribute("data-pick"));
    var url = input.getAttribute("data-suggest");
    if (!list || !picked || !url) { return; }
    var timer = null, asked = "";

    function pick() {
      picked.value = "";
      Array.prototype.forEach.call(list.options, function (option) {
        if (option.value === input.value) { picked.value = option.getAttribute("data-id"); }
      });
    }

    function ask() {
      var query = input.value.trim();
      if (query.length < 2 || query === asked) { return; }
      asked = query;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : [];
      }).then(function (items) {
        if (input.value.trim() !== query || !Array.isArray(items)) { return; }
        var options = items.map(function (item) {
          var option = document.createElement("option");
          option.value = item.label;
          option.setAttribute("data-id", item.id);
          return option;
        });
        list.replaceChildren.apply(list, options);
        pick();
      }).catch(function () { /* no suggestions: the form still works */ });
    }

    input.addEventListener("input", function () {
      pick();
      window.clearTimeout(timer);
      if (!picked.value) { timer = window.setTimeout(ask, 200); } // a suggestion was chosen
    });
    input.addEventListener("change", pick);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart-view[data-chart]").forEach(function (view) {
      if (!view.querySelector("svg")) { return; }
      var chart = new Chart(view);
      document.querySelectorAll('[data-chart-tools="' + view.id + '"]').forEach(function (tools) {
        tools.hidden = false;
        tools.addEventListener("click", function (event) {
          var button = event.target.closest("button[data-zoom]");
          if (!button) { return; }
          var how = button.getAttribute("data-zoom");
          if (how === "in") { chart.zoom(1 / ZOOM_STEP); }
          else if (how === "out") { chart.zoom(ZOOM_STEP); }
          else { chart.reset(); }
        });
      });
    });
    document.querySelectorAll("input[data-suggest]").forEach(suggestions);
  });
})();
