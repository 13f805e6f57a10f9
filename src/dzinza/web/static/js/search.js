// Search and the duplicate queue. Every page here works without this script: the search is a
// plain GET form, the queue a page to refresh. The script adds name suggestions as one types
// (the ARIA combobox pattern) and follows a running duplicate scan.
(function () {
  "use strict";

  var DELAY = 150; // milliseconds of quiet typing before suggestions are asked for

  // -- name suggestions: input[data-suggest] names its listbox; the form carries the route ------
  function combobox(input, form) {
    var list = document.getElementById(input.getAttribute("data-suggest"));
    if (!list) { return; }
    var url = form.getAttribute("data-suggest-url");
    var tree = form.getAttribute("data-suggest-tree") || "";
    var status = statusRegion(form);
    var timer = null;
    var asked = 0; // the latest request's number: older answers arriving late are dropped
    var active = -1;
    var options = [];

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function lastWord(value) {
      var words = value.split(/\s+/).filter(Boolean);
      return /\s$/.test(value) || !words.length ? "" : words[words.length - 1];
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var name = options[index].getAttribute("data-value");
      var value = input.value;
      var typed = lastWord(value);
      var start = value.length - typed.length;
      var word = name.charAt(0).toUpperCase() + name.slice(1);
      input.value = value.slice(0, start) + word + " ";
      close();
      input.focus();
    }

    function show(items) {
      close();
      if (!items.length) { return; }
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-value", item.name);
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = item.name; // text, never HTML
        var count = document.createElement("span");
        count.className = "count";
        count.textContent = String(item.count);
        count.setAttribute("aria-hidden", "true");
        option.appendChild(name);
        option.appendChild(count);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the field
          choose(i);
        });
        list.appendChild(option);
        options.push(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (status) { status.textContent = form.getAttribute("data-msg-suggestions") || ""; }
    }

    function ask() {
      var prefix = lastWord(input.value);
      if (!prefix) { close(); return; }
      var mine = ++asked;
      var query = "?q=" + encodeURIComponent(prefix) + (tree ? "&tree=" + encodeURIComponent(tree) : "");
      fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) {
          if (mine === asked && document.activeElement === input) { show(data.items || []); }
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) { ask(); return; }
        event.preventDefault();
        highlight(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault(); // choosing a name, not sending the form
          choose(active);
        } else {
          close();
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  function statusRegion(form) {
    var region = form.querySelector("[data-suggest-status]");
    if (!region) {
      region = document.createElement("p");
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("data-suggest-status", "");
      form.appendChild(region);
    }
    return region;
  }

  // -- a running duplicate scan: follow it, and show the page again when it has finished -------
  function follow(element) {
    var url = element.getAttribute("data-job-url");
    var rounds = 0;
    function poll() {
      rounds += 1;
      if (rounds > 600) { return; } // twenty minutes: the refresh link is still there
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return; }
          if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggest-url]").forEach(function (form) {
      form.querySelectorAll("input[data-suggest]").forEach(function (input) {
        combobox(input, form);
      });
      // Empty filters stay out of the address, so that it reads (and bookmarks) well.
      form.addEventListener("formdata", function (event) {
        Array.from(event.formData.keys()).forEach(function (key) {
          if (event.formData.getAll(key).every(function (value) { return value === ""; })) {
            event.formData.delete(key);
          }
        });
      });
    });
    document.querySelectorAll("[data-job-url]").forEach(follow);
  });
})();
