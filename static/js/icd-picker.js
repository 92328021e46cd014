/* The ICD-10-CM code picker (templates/clients/icd_combobox.html): the keyboard and ARIA
 * state of a combobox whose options htmx fetches as the person types.
 *
 * Down/Up move through the options (aria-activedescendant), Enter chooses, Escape closes.
 * Choosing a category (not billable) searches for its billable codes instead of choosing it.
 * Without this file the text box still works: the typed code is checked when the form is saved.
 */
(function () {
  "use strict";

  function setUp(picker) {
    if (picker.dataset.tendBound) {
      return;
    }
    picker.dataset.tendBound = "1";
    var input = picker.querySelector("[role=combobox]");
    var listbox = picker.querySelector("[role=listbox]");
    var status = picker.querySelector("[data-icd-status]");
    var chosen = picker.querySelector("[data-icd-chosen]");
    var active = -1;

    function options() {
      return Array.prototype.slice.call(listbox.querySelectorAll("[role=option]"));
    }

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function show() {
      var open = options().length > 0;
      listbox.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) {
        return;
      }
      show();
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.classList.toggle("is-active", i === active);
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function choose(option) {
      input.value = option.dataset.code;
      close();
      if (option.dataset.billable === "1") {
        if (chosen) {
          chosen.textContent = option.dataset.code + ": " + option.dataset.title;
        }
        say(option.dataset.code + " chosen: " + option.dataset.title);
      } else if (window.htmx) {
        say(option.dataset.code + " is a category; showing its billable codes.");
        window.htmx.trigger(input, "search");
      }
    }

    listbox.addEventListener("htmx:afterSwap", function () {
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var count = options().length;
      if (document.activeElement === input) {
        show();
      }
      if (!input.value.trim()) {
        say("");
      } else if (count) {
        say(count + (count === 1 ? " code" : " codes") + " found; use the up and down arrows.");
      } else {
        say("No codes match.");
      }
    });

    input.addEventListener("input", function () {
      if (chosen) {
        chosen.textContent = "";
      }
    });

    input.addEventListener("keydown", function (event) {
      var open = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(open ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(open ? active - 1 : -1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(options()[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });

    // Keep the focus in the text box while an option is clicked.
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        choose(option);
      }
    });
    input.addEventListener("blur", close);
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-icd-picker]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpAll(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUpAll(event.target);
  });
})();
