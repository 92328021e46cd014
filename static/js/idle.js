/*
 * Tend idle sign-out (HIPAA automatic logoff), without losing what people typed.
 *
 * - Reads the allowed idle seconds from <body data-idle-timeout="...">.
 * - One minute before the end, shows an alert dialog with a countdown:
 *   "Stay signed in" POSTs the keep-alive endpoint; "Sign out" signs out now.
 * - Typing or clicking in this tab extends the timer, telling the server at most once a minute.
 * - At the end, every unsaved form value on the page (not passwords, CSRF tokens, hidden or
 *   file inputs) is kept in sessionStorage under the page path, then the browser goes to sign in.
 *   After signing back in on that page, the values are put back and a notice says so.
 */
(function () {
  "use strict";

  var KEEPALIVE_URL = "/accounts/session/keepalive/";
  var STATUS_URL = "/accounts/session/status/";
  var LOGIN_URL = "/accounts/login/";
  var LOGOUT_URL = "/accounts/logout/";
  var STORE_PREFIX = "tend:unsaved:";
  var WARN_SECONDS = 60;
  var PING_EVERY_MS = 60 * 1000;

  var body = document.body;
  var limitSeconds = parseInt(body.getAttribute("data-idle-timeout") || "", 10);
  var deadline = 0;
  var lastPing = Date.now();
  var warnTimer = null;
  var endTimer = null;
  var tickTimer = null;
  var dialog = null;
  var ending = false;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function storeKey(path) {
    return STORE_PREFIX + (path || window.location.pathname);
  }

  /* ---------- keeping and restoring unsaved input ---------- */

  function skipField(el) {
    var type = (el.type || "").toLowerCase();
    if (!el.name || el.disabled) return true;
    if (type === "password" || type === "hidden" || type === "file") return true;
    if (type === "submit" || type === "button" || type === "reset" || type === "image") return true;
    if (el.name === "csrfmiddlewaretoken") return true;
    return false;
  }

  function isChanged(el) {
    var type = (el.type || "").toLowerCase();
    if (type === "checkbox" || type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].selected !== el.options[i].defaultSelected) return true;
      }
      return false;
    }
    return el.value !== el.defaultValue;
  }

  function collectUnsaved() {
    var saved = [];
    var forms = document.forms;
    for (var f = 0; f < forms.length; f++) {
      var elements = forms[f].elements;
      for (var e = 0; e < elements.length; e++) {
        var el = elements[e];
        if (skipField(el) || !isChanged(el)) continue;
        var entry = { form: f, name: el.name, type: (el.type || "").toLowerCase() };
        if (entry.type === "checkbox" || entry.type === "radio") {
          entry.value = el.value;
          entry.checked = el.checked;
        } else if (el.tagName === "SELECT") {
          entry.values = [];
          for (var o = 0; o < el.options.length; o++) {
            if (el.options[o].selected) entry.values.push(el.options[o].value);
          }
        } else {
          entry.value = el.value;
        }
        saved.push(entry);
      }
    }
    return saved;
  }

  function saveUnsaved() {
    var saved = collectUnsaved();
    if (!saved.length) return;
    try {
      window.sessionStorage.setItem(storeKey(), JSON.stringify(saved));
    } catch (err) {
      /* storage full or disabled: nothing more we can do */
    }
  }

  function restoreUnsaved() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(storeKey());
    } catch (err) {
      return;
    }
    if (!raw) return;
    var saved;
    try {
      saved = JSON.parse(raw);
    } catch (err) {
      window.sessionStorage.removeItem(storeKey());
      return;
    }
    var restored = 0;
    saved.forEach(function (entry) {
      var form = document.forms[entry.form];
      if (!form) return;
      var matches = form.querySelectorAll("[name]");
      for (var i = 0; i < matches.length; i++) {
        var el = matches[i];
        if (el.name !== entry.name || skipField(el)) continue;
        if (entry.type === "checkbox" || entry.type === "radio") {
          if (el.value === entry.value) {
            el.checked = entry.checked;
            restored++;
          }
        } else if (el.tagName === "SELECT" && entry.values) {
          for (var o = 0; o < el.options.length; o++) {
            el.options[o].selected = entry.values.indexOf(el.options[o].value) !== -1;
          }
          restored++;
        } else if (typeof entry.value === "string") {
          el.value = entry.value;
          el.dispatchEvent(new Event("input", { bubbles: true }));
          restored++;
        }
        break;
      }
    });
    window.sessionStorage.removeItem(storeKey());
    if (restored) showRestoredNotice();
  }

  function showRestoredNotice() {
    var notice = document.createElement("div");
    notice.className = "notice info";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-idle-restored", "");
    var p = document.createElement("p");
    p.textContent = "We restored what you had typed.";
    notice.appendChild(p);
    var holder = document.querySelector("main .messages") || document.querySelector("main");
    if (holder) holder.insertBefore(notice, holder.firstChild);
  }

  /* ---------- the dialog ---------- */

  function buildDialog() {
    dialog = document.createElement("dialog");
    dialog.className = "idle-dialog";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "idle-dialog-title");
    dialog.setAttribute("aria-describedby", "idle-dialog-text");
    dialog.tabIndex = -1;

    var title = document.createElement("h2");
    title.id = "idle-dialog-title";
    title.textContent = "Are you still there?";

    var text = document.createElement("p");
    text.id = "idle-dialog-text";
    text.appendChild(document.createTextNode("You will be signed out in "));
    var count = document.createElement("span");
    count.setAttribute("data-idle-countdown", "");
    count.textContent = String(WARN_SECONDS);
    text.appendChild(count);
    var unit = document.createElement("span");
    unit.setAttribute("data-idle-unit", "");
    unit.textContent = " seconds.";
    text.appendChild(unit);

    var actions = document.createElement("div");
    actions.className = "actions";
    var stay = document.createElement("button");
    stay.type = "button";
    stay.className = "button primary";
    stay.textContent = "Stay signed in";
    stay.setAttribute("data-idle-stay", "");
    stay.addEventListener("click", staySignedIn);
    var leave = document.createElement("button");
    leave.type = "button";
    leave.className = "button";
    leave.textContent = "Sign out";
    leave.setAttribute("data-idle-signout", "");
    leave.addEventListener("click", signOutNow);
    actions.appendChild(stay);
    actions.appendChild(leave);

    dialog.appendChild(title);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    /* Escape means "I am here". */
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      staySignedIn();
    });
    body.appendChild(dialog);
  }

  function dialogOpen() {
    return dialog && dialog.hasAttribute("open");
  }

  function showWarning() {
    if (!dialog) buildDialog();
    updateCountdown();
    if (!dialogOpen()) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    var stay = dialog.querySelector("[data-idle-stay]");
    (stay || dialog).focus();
    clearInterval(tickTimer);
    tickTimer = setInterval(updateCountdown, 1000);
  }

  function hideWarning() {
    clearInterval(tickTimer);
    if (dialogOpen()) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }

  function updateCountdown() {
    if (!dialog) return;
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    var count = dialog.querySelector("[data-idle-countdown]");
    if (count) count.textContent = String(left);
    var unit = dialog.querySelector("[data-idle-unit]");
    if (unit) unit.textContent = left === 1 ? " second." : " seconds.";
    if (left <= 0) timeUp();
  }

  /* ---------- timers and the server ---------- */

  function schedule(secondsLeft) {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    deadline = Date.now() + secondsLeft * 1000;
    var warnIn = Math.max(0, (secondsLeft - WARN_SECONDS) * 1000);
    warnTimer = setTimeout(checkBeforeWarning, warnIn);
    endTimer = setTimeout(timeUp, secondsLeft * 1000 + 500);
  }

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch", Accept: "application/json" },
    });
  }

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok || type.indexOf("application/json") === -1) return { signed_in: false };
    return response.json();
  }

  function status() {
    return fetch(STATUS_URL, {
      credentials: "same-origin",
      headers: { "X-Tend-Passive": "1", Accept: "application/json" },
    }).then(readJson);
  }

  /* Another tab may have kept the session alive: ask (passively) before warning. */
  function checkBeforeWarning() {
    status()
      .then(function (data) {
        if (data.signed_in && data.remaining > WARN_SECONDS + 5) schedule(data.remaining);
        else if (data.signed_in) {
          deadline = Date.now() + data.remaining * 1000;
          showWarning();
        } else timeUp(true);
      })
      .catch(showWarning);
  }

  function staySignedIn() {
    post(KEEPALIVE_URL)
      .then(readJson)
      .then(function (data) {
        if (!data.signed_in) return timeUp(true);
        lastPing = Date.now();
        hideWarning();
        schedule(data.remaining || limitSeconds);
      })
      .catch(function () {
        hideWarning();
        schedule(limitSeconds);
      });
  }

  function signOutNow() {
    var form = document.createElement("form");
    form.method = "post";
    form.action = LOGOUT_URL;
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    form.appendChild(token);
    body.appendChild(form);
    form.submit();
  }

  function goToSignIn() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(LOGIN_URL + "?next=" + encodeURIComponent(next));
  }

  /* `signedOut`: the server already said the session is over (another tab, or the server). */
  function timeUp(signedOut) {
    if (ending) return;
    if (signedOut !== true && Date.now() < deadline - 1000) return;
    ending = true;
    clearInterval(tickTimer);
    saveUnsaved();
    /* The passive status request lets the server end the session now, then sign in. */
    status()
      .then(function (data) {
        if (data.signed_in && data.remaining > 0) {
          ending = false;
          window.sessionStorage.removeItem(storeKey());
          if (data.remaining > WARN_SECONDS) hideWarning();
          schedule(data.remaining);
          return;
        }
        goToSignIn();
      })
      .catch(goToSignIn);
  }

  function onActivity() {
    if (ending || dialogOpen()) return;
    if (Date.now() >= deadline) return timeUp();
    schedule(limitSeconds);
    if (Date.now() - lastPing >= PING_EVERY_MS) {
      lastPing = Date.now();
      post(KEEPALIVE_URL)
        .then(readJson)
        .then(function (data) {
          if (data.signed_in) schedule(data.remaining || limitSeconds);
          else timeUp(true);
        })
        .catch(function () {});
    }
  }

  /* A laptop that slept past the deadline: do not send the form, keep it and sign in again. */
  function onSubmit(event) {
    if (deadline && Date.now() >= deadline) {
      event.preventDefault();
      timeUp();
    }
  }

  function start() {
    restoreUnsaved();
    if (!limitSeconds || limitSeconds <= 0) return;
    schedule(limitSeconds);
    document.addEventListener("keydown", onActivity, true);
    document.addEventListener("click", onActivity, true);
    document.addEventListener("submit", onSubmit, true);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && Date.now() >= deadline) timeUp();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
