/* The calendar page: FullCalendar (vendored, static/vendor/fullcalendar) on each .calendar
 * element inside [data-calendar], configured from the data- attributes the server wrote.
 *
 * - One calendar (day, week, month, agenda) for a clinician or a room, or one day column per
 *   clinician side by side, moved together by the day buttons.
 * - FullCalendar runs in the viewer's named time zone without a time-zone plugin: it shows
 *   each event's wall-clock time as the server wrote it, and its Date objects hold that wall
 *   clock as if it were UTC. Times sent back are that wall clock without an offset; the server
 *   reads them in the viewer's zone.
 * - Selecting empty time opens the booking form in a dialog (htmx), or the booking page.
 * - Dragging or resizing an appointment posts the new times with the version shown; a refusal
 *   puts the event back and says why in the live region, and warnings are said there too.
 *
 * No inline scripts or styles: the Content Security Policy forbids them. FullCalendar's own
 * stylesheet carries the nonce from <meta name="csp-nonce">.
 */
(function () {
  "use strict";

  // FullCalendar writes its stylesheet into <style data-fullcalendar> when its script runs
  // (this file loads first). Its icon font is a data: URL, which the Content Security Policy
  // refuses and Chromium fetches as soon as the rule exists, so the rule is left out: the
  // buttons use text instead of icons.
  (function prepareStyles() {
    var meta = document.querySelector('meta[name="csp-nonce"]');
    if (!meta || document.querySelector("style[data-fullcalendar]")) {
      return;
    }
    var style = document.createElement("style");
    style.setAttribute("data-fullcalendar", "");
    style.nonce = meta.getAttribute("content");
    document.head.appendChild(style);
    var sheet = style.sheet;
    var insert = sheet.insertRule.bind(sheet);
    sheet.insertRule = function (rule, index) {
      if (/^\s*@font-face/.test(rule)) {
        return Math.min(index, sheet.cssRules.length);
      }
      return insert(rule, Math.min(index, sheet.cssRules.length));
    };
  })();

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function say(text, kind) {
    var status = document.getElementById("calendar-status");
    if (!status) {
      return;
    }
    status.className = "calendar-status" + (text ? " notice " + (kind || "info") : "");
    status.textContent = text;
  }

  // The wall clock a UTC-coerced Date holds, as YYYY-MM-DDTHH:MM:SS.
  function wall(date) {
    return date.toISOString().slice(0, 19);
  }

  // Requests go one at a time: each one also touches the session, and on SQLite concurrent
  // session writes can fail.
  var queue = Promise.resolve();
  function getJson(url) {
    var next = queue.then(function () {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        });
    });
    queue = next.catch(function () {});
    return next;
  }

  // A FullCalendar event source reading `url` for the range shown, with `extra` parameters.
  function source(url, extra, onFailure) {
    return {
      events: function (info, success, failure) {
        var params = new URLSearchParams(extra);
        params.set("start", wall(info.start));
        params.set("end", wall(info.end));
        getJson(url + "?" + params.toString()).then(success, function (error) {
          failure(error);
          if (onFailure) {
            onFailure();
          }
        });
      },
    };
  }

  function setUp(area) {
    var ds = area.dataset;
    var sideBySide = area.classList.contains("side-by-side");
    var calendars = [];
    var dialog = document.getElementById("booking-dialog");

    function openBooking(start, end, clinician, allDay) {
      // A day picked in the month view gives the date only; the time is the booker's choice.
      var params = new URLSearchParams(
        allDay ? { start: wall(start).slice(0, 10) } : { start: wall(start), end: wall(end) }
      );
      if (clinician) {
        params.set("clinician", clinician);
      }
      var url = ds.bookUrl + "?" + params.toString();
      if (!dialog || !window.htmx || typeof dialog.showModal !== "function") {
        window.location.assign(url);
        return;
      }
      window.htmx
        .ajax("GET", url, { target: "#booking-dialog-body", swap: "innerHTML" })
        .then(function () {
          dialog.showModal();
          var first = dialog.querySelector("select, input:not([type=hidden]), textarea");
          if (first) {
            first.focus();
          }
        });
    }

    function move(info, clinician) {
      var event = info.event;
      var body = new FormData();
      body.append("start", wall(event.start));
      body.append("end", wall(event.end || event.start));
      body.append("version", event.extendedProps.version);
      if (sideBySide && clinician) {
        // Side by side, the column an appointment is dropped in is its clinician.
        body.append("clinician", clinician);
      }
      say("Saving…");
      fetch(ds.moveUrl.replace("00000000-0000-0000-0000-000000000000", event.id), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          });
        })
        .then(function (result) {
          if (!result.ok) {
            info.revert();
            if (info.type === "received") {
              refetchAll();
            }
            say(result.data.error || "The appointment could not be moved.", "error");
            return;
          }
          event.setExtendedProp("version", result.data.version);
          var text = "Moved " + event.title + " to " + info.view.calendar.formatDate(event.start, {
            weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit",
          }) + ".";
          if (result.data.warnings && result.data.warnings.length) {
            say(text + " " + result.data.warnings.join(" "), "warning");
          } else {
            say(text, "success");
          }
        })
        .catch(function () {
          info.revert();
          say("The appointment could not be moved: the connection failed.", "error");
        });
    }

    area.querySelectorAll(".calendar").forEach(function (el) {
      var clinician = el.dataset.clinician || "";
      var extra = {};
      if (clinician) {
        extra.clinician = clinician;
      }
      if (ds.room) {
        extra.room = ds.room;
      }
      var sources = [
        source(ds.eventsUrl, extra, function () {
          say("The appointments could not be loaded. Reload the page to try again.", "error");
        }),
      ];
      if (clinician) {
        sources.push(source(ds.hoursUrl, { clinician: clinician }));
      }
      var calendar = new window.FullCalendar.Calendar(el, {
        timeZone: ds.timeZone,
        initialView: ds.view,
        initialDate: ds.date,
        headerToolbar: sideBySide
          ? false
          : {
              left: "prev,next today",
              center: "title",
              right: "timeGridDay,timeGridWeek,dayGridMonth,listWeek",
            },
        // Text, not FullCalendar's icon font: the font is a data: URL the policy refuses.
        buttonIcons: false,
        buttonText: {
          prev: "Previous",
          next: "Next",
          today: "Today",
          day: "Day",
          week: "Week",
          month: "Month",
          list: "Agenda",
        },
        // Side by side, the shared day is in the toolbar; on a phone a week's headers are short.
        dayHeaders: !sideBySide,
        views:
          el.clientWidth < 600
            ? { timeGridWeek: { dayHeaderFormat: { weekday: "narrow", day: "numeric" } } }
            : {},
        firstDay: 1,
        slotDuration: ds.slot,
        slotMinTime: ds.dayStarts,
        slotMaxTime: ds.dayEnds,
        scrollTime: ds.dayStarts,
        allDaySlot: false,
        nowIndicator: true,
        height: "auto",
        eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
        slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
        selectable: Boolean(ds.bookUrl),
        selectMirror: true,
        editable: true,
        eventSources: sources,
        select: function (info) {
          calendar.unselect();
          openBooking(info.start, info.end, clinician, info.allDay);
        },
        eventDrop: function (info) {
          move(info, clinician);
        },
        eventResize: function (info) {
          move(info, clinician);
        },
        // Side by side, an appointment dragged into another clinician's column moves to them.
        droppable: sideBySide,
        eventReceive: function (info) {
          info.type = "received";
          move(info, clinician);
        },
        dayCellDidMount: function (info) {
          // A month cell named only by its date while it shows appointments too confuses
          // speech input (the visible text is not in the name); the date link names the day.
          if (info.el.getAttribute("role") === "gridcell") {
            info.el.removeAttribute("aria-labelledby");
          }
        },
        eventDidMount: function (info) {
          var props = info.event.extendedProps;
          if (info.event.display === "background") {
            return;
          }
          var label = info.event.title;
          if (props.status_label) {
            label += ", " + props.type + ", " + props.status_label.toLowerCase();
          }
          if (props.room) {
            label += ", " + props.room;
          }
          info.el.setAttribute("title", label);
        },
      });
      calendar.render();
      calendars.push(calendar);
    });

    function refetchAll() {
      calendars.forEach(function (calendar) {
        calendar.refetchEvents();
      });
    }

    var title = area.querySelector("[data-day-title]");
    function showTitle() {
      if (title && calendars.length) {
        title.textContent = calendars[0].view.title;
      }
    }
    area.querySelectorAll("[data-day-step]").forEach(function (button) {
      button.addEventListener("click", function () {
        var step = Number(button.dataset.dayStep);
        calendars.forEach(function (calendar) {
          if (step < 0) {
            calendar.prev();
          } else if (step > 0) {
            calendar.next();
          } else {
            calendar.today();
          }
        });
        showTitle();
      });
    });
    showTitle();

    document.body.addEventListener("tend:booked", function (event) {
      if (dialog && dialog.open) {
        dialog.close();
      }
      calendars.forEach(function (calendar) {
        calendar.refetchEvents();
      });
      say((event.detail && event.detail.message) || "Appointment booked.", "success");
    });
    if (dialog) {
      dialog.addEventListener("click", function (event) {
        if (event.target.closest("[data-close-dialog]")) {
          dialog.close();
        }
      });
    }
  }

  // A long client list gets a search box that narrows its options as one types; chosen
  // clients always stay in the list.
  function setUpFilters(root) {
    root.querySelectorAll("select[data-filterable]").forEach(function (select) {
      if (select.dataset.filterBound) {
        return;
      }
      select.dataset.filterBound = "1";
      var input = document.createElement("input");
      input.type = "search";
      input.id = select.id + "-filter";
      input.className = "select-filter";
      input.setAttribute("autocomplete", "off");
      var label = document.createElement("label");
      label.htmlFor = input.id;
      label.className = "select-filter-label";
      label.textContent = "Find a client by name";
      select.parentNode.insertBefore(label, select);
      select.parentNode.insertBefore(input, select);
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        Array.prototype.forEach.call(select.options, function (option) {
          var text = option.textContent.toLowerCase();
          option.hidden = !option.selected && !words.every(function (word) {
            return text.indexOf(word) !== -1;
          });
        });
      });
    });
  }

  // The telehealth questions (where the client is, why audio only) show only when they apply.
  function showTelehealthFields(root) {
    root.querySelectorAll("select[name=modality]").forEach(function (select) {
      var form = select.form;
      if (!form) {
        return;
      }
      var toggle = function () {
        var where = form.querySelector("[name=client_location]");
        var why = form.querySelector("[name=audio_only_reason]");
        if (where) {
          where.closest(".field").hidden = select.value === "in_person";
        }
        if (why) {
          why.closest(".field").hidden = select.value !== "audio";
        }
      };
      select.addEventListener("change", toggle);
      toggle();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpFilters(document);
    showTelehealthFields(document);
    document.body.addEventListener("htmx:load", function (event) {
      setUpFilters(event.target);
      showTelehealthFields(event.target);
    });
    if (!window.FullCalendar) {
      return;
    }
    document.querySelectorAll("[data-calendar]").forEach(setUp);
  });
})();
