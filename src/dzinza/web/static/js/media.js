// Photos and documents. Every feature improves a page that works without it:
// - uploads: drag and drop, one request per file with a progress bar and the service's
//   answer for each file (the form alone posts every file at once);
// - the viewer: a full-screen dialog with the large picture, previous and next among the
//   page's pictures, closed with Escape or its button, focus kept inside and given back;
// - tagging: name suggestions from the tree, and a rectangle dragged on the photo that fills
//   the form's hidden x, y, w, h fields (fractions of the photo).
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  // -- uploads ---------------------------------------------------------------------------------
  function setUpUploads(box) {
    var form = box.querySelector("[data-upload-form]");
    var input = form ? form.querySelector("input[type=file]") : null;
    var list = box.querySelector("[data-upload-list]");
    var summary = box.querySelector("[data-upload-summary]");
    var refresh = box.querySelector("[data-upload-refresh]");
    if (!form || !input || !list || !window.XMLHttpRequest || !window.FormData) { return; }
    var text = function (name) { return box.getAttribute("data-text-" + name) || ""; };
    var busy = false;

    function row(file) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var status = document.createElement("span");
      status.className = "upload-status";
      status.textContent = text("waiting");
      item.appendChild(name);
      item.appendChild(bar);
      item.appendChild(status);
      list.appendChild(item);
      return { item: item, bar: bar, status: status };
    }

    function send(file, view) {
      return new Promise(function (resolve) {
        var request = new XMLHttpRequest();
        var body = new FormData();
        body.append("files", file, file.name);
        request.open("POST", form.action);
        request.setRequestHeader("X-CSRF-Token", window.dzinzaCsrf ? window.dzinzaCsrf() : "");
        request.setRequestHeader("Accept", "application/json");
        request.responseType = "json";
        view.status.textContent = text("sending");
        request.upload.addEventListener("progress", function (event) {
          if (!event.lengthComputable) { return; }
          var percent = Math.round((event.loaded / event.total) * 100);
          view.bar.value = percent;
          view.bar.setAttribute("aria-valuetext", fill(text("progress"), { p: percent, name: file.name }));
          if (percent >= 100) { view.status.textContent = text("checking"); }
        });
        request.addEventListener("load", function () {
          var answer = request.response || {};
          var result = (answer.files || [])[0];
          view.bar.value = 100;
          if (result && result.ok) {
            view.item.classList.add("done");
            view.status.textContent = result.message;
            resolve(true);
            return;
          }
          view.item.classList.add("refused");
          view.status.textContent = result ? result.message : (answer.error || text("failed"));
          resolve(false);
        });
        request.addEventListener("error", function () {
          view.item.classList.add("refused");
          view.status.textContent = text("failed");
          resolve(false);
        });
        request.send(body);
      });
    }

    function upload(files) {
      if (busy || !files.length) { return; }
      busy = true;
      list.textContent = "";
      if (summary) { summary.textContent = ""; }
      var views = files.map(row);
      var ok = true;
      // One file after the other: each gets the whole connection, and its own answer.
      var chain = Promise.resolve();
      files.forEach(function (file, index) {
        chain = chain.then(function () {
          return send(file, views[index]).then(function (sent) { ok = ok && sent; });
        });
      });
      chain.then(function () {
        busy = false;
        form.reset();
        if (ok) {
          if (summary) { summary.textContent = text("all-done"); }
          window.setTimeout(function () { window.location.reload(); }, 600);
        } else {
          if (summary) { summary.textContent = text("some-refused"); }
          if (refresh) { refresh.hidden = false; }
        }
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(Array.prototype.slice.call(input.files || []));
    });
    ["dragenter", "dragover"].forEach(function (name) {
      box.addEventListener(name, function (event) {
        event.preventDefault();
        box.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      box.addEventListener(name, function (event) {
        if (name === "dragleave" && box.contains(event.relatedTarget)) { return; }
        box.classList.remove("dragging");
      });
    });
    box.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files) : [];
      upload(files);
    });
  }

  // -- the viewer ------------------------------------------------------------------------------
  function setUpLightbox(dialog) {
    if (typeof dialog.showModal !== "function") { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    if (!links.length) { return; }
    var picture = dialog.querySelector("[data-lightbox-picture]");
    var caption = dialog.querySelector("[data-lightbox-caption]");
    var position = dialog.querySelector("[data-lightbox-position]");
    var previous = dialog.querySelector("[data-lightbox-previous]");
    var next = dialog.querySelector("[data-lightbox-next]");
    var close = dialog.querySelector("[data-lightbox-close]");
    var details = dialog.querySelector("[data-lightbox-details]");
    var current = 0;
    var opener = null;
    var several = links.length > 1;
    previous.hidden = !several;
    next.hidden = !several;
    position.hidden = !several;

    function show(index) {
      current = (index + links.length) % links.length;
      var link = links[current];
      var title = link.getAttribute("data-lightbox-title") || "";
      var image = document.createElement("img");
      image.src = link.getAttribute("data-lightbox");
      image.alt = title;
      picture.textContent = "";
      picture.appendChild(image);
      caption.textContent = title;
      if (details) { details.href = link.getAttribute("href"); }
      position.textContent = fill(position.getAttribute("data-template") || "", {
        n: String(current + 1),
        t: String(links.length)
      });
    }

    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
        if (link.closest(".drawing-on")) { event.preventDefault(); return; }
        event.preventDefault();
        opener = link;
        show(index);
        dialog.showModal();
        close.focus();
      });
    });
    previous.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      picture.textContent = "";
      if (opener) { opener.focus(); }
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft" && several) { show(current - 1); }
      else if (event.key === "ArrowRight" && several) { show(current + 1); }
      else if (event.key === "Tab") {
        // Keep the focus among the viewer's own buttons.
        var buttons = Array.prototype.filter.call(dialog.querySelectorAll("button"), function (b) {
          return !b.hidden;
        });
        var first = buttons[0];
        var last = buttons[buttons.length - 1];
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first.focus();
        }
      }
    });
    // A click on the dark surround (not the picture or a button) closes it too.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target === picture) { dialog.close(); }
    });
  }

  // -- tagging: suggestions --------------------------------------------------------------------
  function setUpSuggestions(form) {
    var input = form.querySelector("[data-suggest]");
    var list = form.querySelector("[data-suggest-list]");
    var hidden = form.querySelector("[data-suggest-id]");
    if (!input || !list || !hidden || !window.fetch) { return; }
    var url = input.getAttribute("data-suggest");
    var timer = null;
    var asked = 0;
    var active = -1;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("li")); }

    function hide() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(person) {
      input.value = person.name;
      hidden.value = person.id;
      hide();
    }

    function mark(index) {
      var all = options();
      if (!all.length) { return; }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
    }

    function render(people) {
      list.textContent = "";
      people.forEach(function (person, index) {
        var option = document.createElement("li");
        option.id = "tag-suggestion-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = person.name;
        if (person.private) { option.className = "private"; }
        if (person.years) {
          var years = document.createElement("span");
          years.className = "muted";
          years.textContent = " (" + person.years + ")";
          option.appendChild(years);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keeps the focus in the field
          choose(person);
        });
        option._person = person;
        list.appendChild(option);
      });
      list.hidden = !people.length;
      input.setAttribute("aria-expanded", people.length ? "true" : "false");
    }

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.addEventListener("input", function () {
      hidden.value = ""; // the typed name is searched for again unless a suggestion is chosen
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { hide(); return; }
      timer = window.setTimeout(function () {
        var ticket = ++asked;
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (people) { if (ticket === asked) { render(people); } })
          .catch(function () { hide(); });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); mark(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(active - 1); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(options()[active]._person);
      } else if (event.key === "Escape") { hide(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(hide, 150); });
  }

  // -- tagging: a rectangle on the photo -------------------------------------------------------
  function setUpRegion(form) {
    var frame = document.querySelector("[data-region-frame]");
    var image = frame ? frame.querySelector("[data-region-image]") : null;
    var draft = frame ? frame.querySelector("[data-region-draft]") : null;
    var fields = {};
    ["x", "y", "w", "h"].forEach(function (k) { fields[k] = form.querySelector("[data-region-" + k + "]"); });
    var clear = form.querySelector("[data-region-clear]");
    var toggle = form.querySelector("[data-region-toggle]");
    if (!frame || !image || !draft || !fields.x || !toggle || !window.PointerEvent) { return; }
    var start = null;

    function drawing(on) {
      frame.classList.toggle("drawing-on", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      drawing(toggle.getAttribute("aria-pressed") !== "true");
    });

    function at(event) {
      var box = image.getBoundingClientRect();
      return {
        x: Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1),
        y: Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1)
      };
    }

    function draw(region) {
      draft.setAttribute("x", String(region.x * 100));
      draft.setAttribute("y", String(region.y * 100));
      draft.setAttribute("width", String(region.w * 100));
      draft.setAttribute("height", String(region.h * 100));
    }

    function regionOf(a, b) {
      return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
    }

    function keep(region) {
      var tiny = region.w < 0.01 || region.h < 0.01;
      ["x", "y", "w", "h"].forEach(function (k) {
        fields[k].value = tiny ? "" : region[k].toFixed(4);
      });
      if (tiny) { draw({ x: 0, y: 0, w: 0, h: 0 }); }
    }

    if (fields.w.value && fields.h.value) {
      draw({ x: +fields.x.value, y: +fields.y.value, w: +fields.w.value, h: +fields.h.value });
    }
    frame.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || !frame.classList.contains("drawing-on")) { return; }
      event.preventDefault();
      start = at(event);
      frame.setPointerCapture(event.pointerId);
      draw({ x: start.x, y: start.y, w: 0, h: 0 });
    });
    frame.addEventListener("pointermove", function (event) {
      if (start) { draw(regionOf(start, at(event))); }
    });
    frame.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var region = regionOf(start, at(event));
      start = null;
      draw(region);
      keep(region);
    });
    frame.addEventListener("dragstart", function (event) {
      if (frame.classList.contains("drawing-on")) { event.preventDefault(); }
    });
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", function () { keep({ x: 0, y: 0, w: 0, h: 0 }); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-media-upload]").forEach(setUpUploads);
    var dialog = document.querySelector("[data-lightbox-dialog]");
    if (dialog) { setUpLightbox(dialog); }
    document.querySelectorAll("[data-tag-form]").forEach(function (form) {
      setUpSuggestions(form);
      setUpRegion(form);
    });
  });
})();
