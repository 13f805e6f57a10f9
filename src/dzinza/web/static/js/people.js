// The person and family forms. Each feature improves a form that already works without it:
// dates are checked as they are typed, names of people in the tree are offered as one types,
// name rows can be added, and the "new person / someone in the tree" choice shows one part.
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  // -- genealogical dates, checked by the server's date parser as they are typed -------------
  function dateCheck(input) {
    var feedback = document.getElementById(input.getAttribute("data-feedback"));
    if (!feedback) { return; }
    var check = debounce(function () {
      var value = input.value.trim();
      if (!value) {
        feedback.textContent = "";
        feedback.className = "date-check";
        input.removeAttribute("aria-invalid");
        return;
      }
      var url = input.getAttribute("data-date-check") + "?value=" + encodeURIComponent(value);
      getJson(url).then(function (answer) {
        if (input.value.trim() !== value) { return; }  // typed on since: a newer check follows
        if (answer.valid) {
          feedback.textContent = answer.date && answer.date !== value ? "✓ " + answer.date : "✓";
          feedback.className = "date-check ok";
          input.removeAttribute("aria-invalid");
        } else {
          feedback.textContent = answer.message;
          feedback.className = "date-check bad";
          input.setAttribute("aria-invalid", "true");
        }
      }).catch(function () { feedback.textContent = ""; });
    }, 350);
    input.addEventListener("input", check);
  }

  // -- people of the tree offered as one types a name (a combobox with a listbox) ------------
  var suggestCount = 0;

  function suggest(input) {
    var target = document.getElementById(input.getAttribute("data-suggest-target"));
    var url = input.getAttribute("data-suggest");
    var emptyText = input.getAttribute("data-suggest-empty") || "";
    var list = document.createElement("ul");
    suggestCount += 1;
    list.id = input.id + "-suggestions-" + suggestCount;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var options = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.getAttribute("data-label");
      if (target) { target.value = option.getAttribute("data-id"); }
      close();
    }

    function show(people) {
      list.textContent = "";
      options = [];
      if (!people.length) {
        var none = document.createElement("li");
        none.className = "empty";
        none.textContent = emptyText;
        list.appendChild(none);
      }
      people.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("data-id", person.id);
        option.setAttribute("data-label", person.label);
        option.textContent = person.label;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keeps the focus in the field
          choose(option);
        });
        list.appendChild(option);
        options.push(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    var lookUp = debounce(function () {
      var query = input.value.trim();
      if (!query) { close(); return; }
      getJson(url + "?q=" + encodeURIComponent(query)).then(function (people) {
        if (input.value.trim() === query && document.activeElement === input) { show(people); }
      }).catch(close);
    }, 250);

    input.addEventListener("input", function () {
      if (target) { target.value = ""; }  // a name typed anew is not the person chosen before
      lookUp();
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || !options.length) {
        if (event.key === "Escape") { close(); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  // -- one more name row on the person form ----------------------------------------------------
  function nameRows(button) {
    var rows = document.querySelector("[data-name-rows]");
    if (!rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var all = rows.querySelectorAll("[data-name-row]");
      var last = all[all.length - 1];
      var copy = last.cloneNode(true);
      var index = all.length;
      copy.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/names-\d+-/g, "names-" + index + "-")); }
        });
      });
      copy.querySelectorAll("input[type=text], input[type=hidden]").forEach(function (el) { el.value = ""; });
      copy.querySelectorAll(".field-error, .choice").forEach(function (el) { el.remove(); });
      copy.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
      var legend = copy.querySelector("legend");
      if (legend) { legend.textContent = legend.textContent.replace(/\d+/, String(index + 1)); }
      rows.appendChild(copy);
      var first = copy.querySelector("input[type=text]");
      if (first) { first.focus(); }
    });
  }

  // -- "a new person" or "someone in the tree": show the part that was chosen ------------------
  function modeSwitch(fieldset) {
    var form = fieldset.closest("form");
    function apply() {
      var chosen = form.querySelector("input[name=mode]:checked");
      form.querySelectorAll("[data-mode]").forEach(function (part) {
        part.hidden = !chosen || part.getAttribute("data-mode") !== chosen.value;
      });
    }
    fieldset.querySelectorAll("input[name=mode]").forEach(function (radio) {
      radio.addEventListener("change", apply);
    });
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-date-check]").forEach(dateCheck);
    document.querySelectorAll("input[data-suggest]").forEach(suggest);
    document.querySelectorAll("[data-add-name]").forEach(nameRows);
    document.querySelectorAll("[data-mode-switch]").forEach(modeSwitch);
  });
})();
