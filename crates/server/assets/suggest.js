// Suggestions as you type, for the search box of the page. Progressive: the
// form works without this script. Arrow keys move through the list, Enter
// picks the highlighted suggestion (and searches), Escape closes the list.
(function () {
  "use strict";
  var input = document.querySelector('form.search input[name="q"]');
  if (!input || !window.fetch) return;
  var form = input.form;
  var list = document.createElement("ul");
  list.id = "suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.parentNode.insertBefore(list, input.nextSibling);
  input.setAttribute("autocomplete", "off");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  var items = [];
  var active = -1;
  var asked = 0;
  var timer = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(index) {
    active = index;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(text) {
    input.value = text;
    close();
    form.submit();
  }

  function show(suggestions) {
    // An answer that arrives after the reader moved to a suggestion keeps
    // that suggestion picked, wherever it now stands.
    var kept = active >= 0 && items[active] ? items[active].textContent : null;
    list.textContent = "";
    items = suggestions.map(function (suggestion, i) {
      var item = document.createElement("li");
      item.id = "suggestion-" + i;
      item.setAttribute("role", "option");
      item.textContent = suggestion.text;
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        pick(suggestion.text);
      });
      list.appendChild(item);
      return item;
    });
    active = -1;
    if (kept !== null) {
      var again = suggestions.findIndex(function (s) { return s.text === kept; });
      if (again >= 0) mark(again);
    }
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function ask() {
    var prefix = input.value.trim();
    if (!prefix) {
      close();
      return;
    }
    var ticket = ++asked;
    fetch("/api/suggest?q=" + encodeURIComponent(prefix))
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (body) {
        // Only the answer to the latest keystroke is shown.
        if (ticket === asked && document.activeElement === input) show(body.suggestions || []);
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 80);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      mark((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      mark(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      pick(items[active].textContent);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", close);
})();
