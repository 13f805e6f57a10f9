// The account pages: copy a secret (a new token, the recovery codes) or print the codes.
// Without JavaScript the buttons stay hidden: the secrets are on the page to copy by hand.
(function () {
  "use strict";

  function say(button, text) {
    if (!button.dataset.label) { button.dataset.label = button.textContent; }
    button.setAttribute("aria-live", "polite");
    button.textContent = text;
    window.setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        // On failure nothing changes: the text is still on the page to copy by hand.
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          say(button, button.getAttribute("data-copied") || "\u2713");
        });
      });
    });
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
