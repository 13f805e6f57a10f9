// Behaviour every page shares. Pages work without it: each feature only improves a form
// or a link that already works.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // Forms marked data-autosubmit send themselves when a choice changes (the language switch).
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () { form.requestSubmit(); });
      });
    });
    // Buttons with data-confirm ask before a form that cannot be undone is sent.
    document.querySelectorAll("[data-confirm]").forEach(function (element) {
      var form = element.closest("form");
      if (!form) { return; }
      form.addEventListener("submit", function (event) {
        if (!window.confirm(element.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });

  // The CSRF token of this page, for scripts that post (fetch with X-CSRF-Token).
  window.dzinzaCsrf = function () {
    var field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  };
})();
