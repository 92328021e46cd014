/* The Diagnoses tab: after htmx swaps in the re-ranked list, the focus goes back to the row
 * that moved (its button for the same direction, or the nearest control), so keyboard and
 * screen-reader users keep their place. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function () {
    var row = document.querySelector("#diagnosis-list [data-moved]");
    if (!row) {
      return;
    }
    var direction = row.getAttribute("data-moved");
    var same = row.querySelector("input[name=direction][value='" + direction + "'] ~ button");
    var target = same || row.querySelector("button, a");
    if (target) {
      target.focus();
    }
  });
})();
