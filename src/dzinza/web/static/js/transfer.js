// The job page: polls the job's progress and updates the bar and the text (a polite live
// region), then reloads the page when the job has ended, to show its report. Without this
// script (and beside it) the page has a refresh link.
(function () {
  "use strict";

  function start(section) {
    var url = section.getAttribute("data-job-progress");
    var every = parseInt(section.getAttribute("data-poll-ms"), 10) || 1500;
    var bar = section.querySelector("[data-job-bar]");
    var text = section.querySelector("[data-job-text]");
    var state = section.querySelector("[data-job-state]");
    var failures = 0;

    function show(job) {
      if (bar) {
        if (job.total !== null && job.total !== undefined) {
          bar.max = Math.max(job.total, 1);
          bar.value = Math.min(job.done, bar.max);
          bar.textContent = job.percent === null ? "" : String(job.percent);
        } else {
          bar.removeAttribute("value"); // an indeterminate bar: the total is not known yet
        }
      }
      if (text && text.textContent !== job.text) { text.textContent = job.text; }
      if (state && job.state && state.textContent !== job.state) { state.textContent = job.state; }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (job) {
          failures = 0;
          show(job);
          if (job.finished) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, every);
        })
        .catch(function () {
          // A hiccup of the network: try a few more times, then leave it to the refresh link.
          failures += 1;
          if (failures < 5) { window.setTimeout(poll, every * 2); }
        });
    }

    window.setTimeout(poll, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-progress]").forEach(start);
  });
})();
