/* Tend's small page helpers. Loaded from <head> without defer so the "js" class is set
 * before first paint; everything that touches the page waits for DOMContentLoaded.
 *
 * - Every htmx request carries the CSRF token from <meta name="csrf-token">.
 * - The practice switcher submits itself when a practice is chosen (the button stays for
 *   people without JavaScript, and for keyboard users who prefer it).
 * - Flash messages can be dismissed.
 * - Under ~800px the main menu collapses behind a "Menu" button.
 * - On a narrow screen the chart tabs scroll sideways; the current tab is scrolled into view.
 * - A table too wide for the screen scrolls inside its .table-wrap, which then takes the
 *   keyboard focus so it can be scrolled without a mouse.
 * - After a live caseload search, the filter form's "Clear" link shows when anything is filtered.
 *
 * No inline scripts or style attributes anywhere: the Content Security Policy forbids them.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx 2 fires htmx:configRequest on the element that triggered the request; it bubbles.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token && event.detail && event.detail.headers) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // Marks an element as wired up, so htmx:load on the whole body does not bind twice.
  function once(element) {
    if (element.dataset.tendBound) {
      return false;
    }
    element.dataset.tendBound = "1";
    return true;
  }

  function setUpSwitcher(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (!once(select)) {
        return;
      }
      var initial = select.value;
      select.addEventListener("change", function () {
        if (select.value !== initial && select.form) {
          if (typeof select.form.requestSubmit === "function") {
            select.form.requestSubmit();
          } else {
            select.form.submit();
          }
        }
      });
    });
  }

  function setUpDismissible(root) {
    root.querySelectorAll("[data-dismissible]").forEach(function (notice) {
      var button = notice.querySelector(".notice-dismiss");
      if (!button || !once(notice)) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var main = document.getElementById("main");
        notice.remove();
        if (main) {
          main.focus();
        }
      });
    });
  }

  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) {
      return;
    }
    toggle.hidden = false;
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  function setUpUserMenu() {
    // Close the account menu on Escape or when focus/clicks move elsewhere.
    document.querySelectorAll("details.user-menu").forEach(function (details) {
      details.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
      document.addEventListener("click", function (event) {
        if (details.open && !details.contains(event.target)) {
          details.open = false;
        }
      });
    });
  }

  // The caseload's live search swaps only the results; the "Clear" link lives in the form, so
  // show it whenever a field of that form holds something other than its default.
  function isFiltered(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (!field.name || field.type === "submit" || field.type === "hidden") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked;
      }
      if (field.tagName === "SELECT") {
        return field.selectedIndex > 0;
      }
      return field.value.trim() !== "";
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "caseload-results") {
      return;
    }
    document.querySelectorAll("[data-caseload-clear]").forEach(function (link) {
      var form = link.closest("form");
      if (form) {
        link.hidden = !isFiltered(form);
      }
    });
  });

  function showCurrentTab() {
    document.querySelectorAll(".chart-tabs ul").forEach(function (list) {
      var current = list.querySelector("[aria-current]");
      if (!current || list.scrollWidth <= list.clientWidth) {
        return;
      }
      var left = current.offsetLeft;
      var right = left + current.offsetWidth;
      if (left < list.scrollLeft || right > list.scrollLeft + list.clientWidth) {
        list.scrollLeft = Math.max(0, left - (list.clientWidth - current.offsetWidth) / 2);
      }
    });
  }

  function focusableWideTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.hasAttribute("data-tend-scroll") || !wrap.hasAttribute("tabindex")) {
        var wide = wrap.scrollWidth > wrap.clientWidth + 1;
        if (wide) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("data-tend-scroll", "");
        } else if (wrap.hasAttribute("data-tend-scroll")) {
          wrap.removeAttribute("tabindex");
          wrap.removeAttribute("data-tend-scroll");
        }
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(focusableWideTables, 150);
  });
  document.addEventListener("htmx:afterSettle", focusableWideTables);

  document.addEventListener("DOMContentLoaded", function () {
    focusableWideTables();
    showCurrentTab();
    setUpSwitcher(document);
    setUpDismissible(document);
    setUpMenu();
    setUpUserMenu();
  });

  // Content swapped in by htmx gets the same behaviour.
  document.addEventListener("htmx:load", function (event) {
    setUpSwitcher(event.target);
    setUpDismissible(event.target);
  });
})();
