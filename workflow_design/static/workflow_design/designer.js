/* The workflow page: task forms edited in a dialog, transitions that pick their tasks from the
   task rows (new ones included) and follow a renamed slug, the next position for a new task,
   a blank row waiting at the end of each table. The checks of the unsaved page and the jumps
   from the diagram are in designer_live.js, which uses the helpers this script exports.
   Without JavaScript the page still works: slugs are typed, forms are saved as they are. */
(function () {
  "use strict";

  var designer = document.getElementById("wd-designer");
  var words = designer ? JSON.parse(designer.getAttribute("data-words") || "{}") : {};
  // Past this many tasks a transition's list of tasks is filled when it is opened; until then
  // it holds the one task it names, as the server wrote it.
  var EAGER_PICKER_TASKS = 40;
  // What the page's task list was last drawn from (slugs and titles): unchanged, nothing is redrawn.
  var drawnTasks = null;

  function word(key, fallback) {
    return words[key] || fallback;
  }

  function rowsOf(prefix) {
    return Array.prototype.filter.call(
      document.querySelectorAll("#" + prefix + "-group tr.form-row"),
      function (row) { return !row.classList.contains("empty-form") && /-\d+$/.test(row.id); }
    );
  }

  function field(row, name) {
    return row.querySelector('[name="' + row.id + "-" + name + '"]');
  }

  function valueOf(row, name) {
    var input = field(row, name);
    return input ? input.value : "";
  }

  function isDeleted(row) {
    var box = field(row, "DELETE");
    return !!(box && box.checked);
  }

  // The live checks (designer_live.js) take over this hook.
  function scheduleCheck() {
    if (window.wdDesigner && window.wdDesigner.scheduleCheck) {
      window.wdDesigner.scheduleCheck();
    }
  }

  // Tasks on the page ------------------------------------------------------------------------

  function pageTasks() {
    var seen = {};
    var tasks = [];
    rowsOf("tasks").forEach(function (row) {
      var slug = field(row, "slug");
      var title = field(row, "title");
      var value = slug ? slug.value.trim() : "";
      if (!value || seen[value] || isDeleted(row)) {
        return;
      }
      seen[value] = true;
      tasks.push({ slug: value, title: title ? title.value.trim() : value, row: row });
    });
    return tasks;
  }

  function tasksKey(tasks) {
    return JSON.stringify(tasks.map(function (task) { return [task.slug, task.title]; }));
  }

  function refreshDatalist(tasks) {
    // Every from/to input names this list: redrawing it costs a pass over all of them.
    var list = document.getElementById("wd-task-slugs");
    if (!list) {
      return;
    }
    list.replaceChildren.apply(list, tasks.map(function (task) {
      var option = document.createElement("option");
      option.value = task.slug;
      option.textContent = task.title;
      return option;
    }));
  }

  // Transitions pick their tasks --------------------------------------------------------------

  function referenceInputs() {
    return document.querySelectorAll(
      '#transitions-group input[name$="-from_task"]:not([name*="__prefix__"]), ' +
      '#transitions-group input[name$="-to_task"]:not([name*="__prefix__"])'
    );
  }

  function fillPicker(select, tasks) {
    var input = select.previousElementSibling;
    var current = input.value.trim();
    var options = [new Option(select.getAttribute("data-empty"), "")];
    var found = !current;
    tasks.forEach(function (task) {
      var option = new Option(task.title || task.slug, task.slug);
      option.title = task.slug;
      options.push(option);
      found = found || task.slug === current;
    });
    if (!found) {
      // A slug no task on the page has (typed before, or its task deleted): kept and shown.
      options.push(new Option(current + " ?", current));
    }
    select.replaceChildren.apply(select, options);
    select.value = current;
    select.setAttribute("data-filled", "1");
  }

  function labelOnly(select, titles) {
    // The one option a closed list needs: what it names now (left alone when it says so).
    var input = select.previousElementSibling;
    var current = input.value.trim();
    var title = titles[current];
    var text = !current ? select.getAttribute("data-empty") : title !== undefined ? title || current : current + " ?";
    var only = select.options.length === 1 ? select.options[0] : null;
    if (!only || only.value !== current || only.text !== text) {
      select.replaceChildren(new Option(text, current));
    }
    select.value = current;
    select.removeAttribute("data-filled");
  }

  function refreshPickers(inputs) {
    // Without `inputs`: the tasks may have changed, and every list follows them.
    var tasks = pageTasks();
    var key = tasksKey(tasks);
    if (key !== drawnTasks) {
      drawnTasks = key;
      refreshDatalist(tasks);
    } else if (!inputs) {
      return;
    }
    var eager = tasks.length <= EAGER_PICKER_TASKS;
    var titles = {};
    tasks.forEach(function (task) { titles[task.slug] = task.title; });
    Array.prototype.forEach.call(inputs || referenceInputs(), function (input) {
      var select = input.nextElementSibling;  // written with its input (TaskReferenceInput)
      if (eager || select.hasAttribute("data-filled")) {
        fillPicker(select, tasks);
      } else {
        labelOnly(select, titles);
      }
    });
  }

  function openPicker(event) {
    var select = event.target.closest && event.target.closest("select.wd-task-pick");
    if (select && !select.hasAttribute("data-filled")) {
      fillPicker(select, pageTasks());
    }
  }
  document.addEventListener("pointerdown", openPicker, true);
  document.addEventListener("focusin", openPicker);

  function picked(event) {
    var select = event.target;
    if (select.classList && select.classList.contains("wd-task-pick")) {
      var input = select.previousElementSibling;
      if (input.value !== select.value) {
        input.value = select.value;
        suggestPriority(select.closest("tr"));
      }
    }
  }
  // First, in the capture phase: the pick may add a row, which fills the lists again.
  document.addEventListener("input", picked, true);
  document.addEventListener("change", picked, true);

  // A renamed task takes its transitions with it: every from/to naming its old slug follows.
  function followRenames() {
    var renamed = {};
    rowsOf("tasks").forEach(function (row) {
      var input = field(row, "slug");
      if (!input) {
        return;
      }
      var before = input.getAttribute("data-wd-slug") || "";
      var now = input.value.trim();
      if (before && now && before !== now) {
        renamed[before] = now;
      }
      input.setAttribute("data-wd-slug", now);
    });
    var changed = false;
    referenceInputs().forEach(function (input) {
      var now = renamed[input.value.trim()];
      if (now !== undefined) {
        input.value = now;
        changed = true;
      }
    });
    return changed;
  }

  function tasksChanged() {
    followRenames();
    refreshPickers();
  }

  // New rows: the next position, a priority after the source's others -----------------------

  function numberIn(row, name) {
    var input = field(row, name);
    var value = input ? parseInt(input.value, 10) : NaN;
    return isNaN(value) ? null : value;
  }

  function nextPosition(row) {
    var highest = 0;
    rowsOf("tasks").forEach(function (other) {
      if (other !== row) {
        highest = Math.max(highest, numberIn(other, "position") || 0);
      }
    });
    var input = field(row, "position");
    if (input) {
      input.value = String(highest + 1);
    }
  }

  function suggestPriority(row) {
    // Only a new row whose priority the creator has not typed: tried after the source's others.
    var priority = row && field(row, "priority");
    if (!priority || row.classList.contains("has_original") || priority.getAttribute("data-wd-typed")) {
      return;
    }
    var source = field(row, "from_task").value.trim();
    var highest = 0;
    rowsOf("transitions").forEach(function (other) {
      if (other !== row && field(other, "from_task").value.trim() === source && !isDeleted(other)) {
        highest = Math.max(highest, numberIn(other, "priority") || 0);
      }
    });
    priority.value = String(highest + 10);
  }

  // A blank row waits at the end of each table: typing in it adds the next one, so a design
  // is entered without an "add" click per row. Untouched blank rows are not saved (Django
  // leaves unchanged extra rows alone) and not checked.
  function addBlankRow(prefix) {
    var link = document.querySelector("#" + prefix + "-group .add-row a");
    if (link) {
      link.click();
    }
  }

  function touch(row) {
    if (!row || !/^(tasks|transitions)-\d+$/.test(row.id) || row.classList.contains("has_original") ||
        row.hasAttribute("data-wd-touched")) {
      return;
    }
    row.setAttribute("data-wd-touched", "1");
    var prefix = row.id.replace(/-\d+$/, "");
    if (prefix === "tasks") {
      nextPosition(row);
    }
    var rows = rowsOf(prefix);
    if (rows[rows.length - 1] === row) {
      addBlankRow(prefix);
    }
  }

  function ensureBlankRow(prefix) {
    var rows = rowsOf(prefix);
    if (!rows.length || !isBlank(rows[rows.length - 1])) {
      addBlankRow(prefix);
    }
  }

  function blankRowWhenNear(prefix) {
    // A long table (marked by the page) gets its blank row when its end comes near the
    // screen: adding a row has the browser style and lay out the whole table, which off
    // screen it has not needed yet (see designer.css). A short one gets it at once.
    var end = document.querySelector("#" + prefix + "-group.wd-long-table tr.add-row");
    if (!end || !("IntersectionObserver" in window)) {
      ensureBlankRow(prefix);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        ensureBlankRow(prefix);
      }
    }, { rootMargin: "0px 0px 100% 0px" });
    observer.observe(end);
  }

  function isBlank(row) {
    // A new row with nothing typed in it (also after a refused save, when it is sent again).
    if (row.classList.contains("has_original")) {
      return false;
    }
    var names = /^tasks-/.test(row.id) ? ["title", "slug"] : ["from_task", "to_task", "condition", "slug"];
    return names.every(function (name) { return !valueOf(row, name).trim(); });
  }

  document.addEventListener("input", function (event) {
    touch(event.target.closest && event.target.closest("tr.form-row"));
  }, true);
  document.addEventListener("change", function (event) {
    touch(event.target.closest && event.target.closest("tr.form-row"));
  }, true);

  document.addEventListener("input", function (event) {
    var name = event.target.name || "";
    if (/^transitions-\d+-priority$/.test(name)) {
      event.target.setAttribute("data-wd-typed", "1");
    }
    if (/^tasks-\d+-title$/.test(name) && event.isTrusted !== false && !event.wdEcho) {
      // The admin's prepopulate script fills a new task's slug on keyup: text pasted or
      // filled in without keys gets its slug too.
      var keyup = new Event("keyup", { bubbles: true });
      keyup.wdEcho = true;
      event.target.dispatchEvent(keyup);
    }
    if (/^tasks-\d+-(slug|title)$/.test(name)) {
      window.setTimeout(tasksChanged, 0);
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.name && /^tasks-\d+-(slug|title|DELETE)$/.test(event.target.name)) {
      tasksChanged();
    }
  });
  document.addEventListener("formset:added", function (event) {
    var row = event.target;
    var prefix = (event.detail && event.detail.formsetName) || "";
    if (prefix === "tasks") {
      prepareEditors(row);  // a new task row is blank: the task lists stay as they are
    } else if (prefix === "transitions") {
      refreshPickers(row.querySelectorAll("input.wd-task-ref"));
    }
  });
  document.addEventListener("formset:removed", function () {
    refreshPickers();
    scheduleCheck();
  });

  // Task forms in a dialog ------------------------------------------------------------------

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    if (tag === "button") {
      node.type = "button";
    }
    return node;
  }

  function summaryOf(textarea) {
    var fields;
    try {
      fields = JSON.parse(textarea.value || "[]");
    } catch (error) {
      return word("unreadable", "Edit to see the fields");
    }
    if (!Array.isArray(fields) || fields.length === 0) {
      return word("no_fields", "No fields");
    }
    return fields.length + " · " + fields.map(function (item) {
      return (item && (item.label || item.name)) || "?";
    }).join(", ");
  }

  function prepareEditors(scope) {
    // An editor written open (a new row, a refused save) stays in its cell, hidden; the cell
    // shows what the form holds and opens the dialog.
    scope.querySelectorAll("#tasks-group td.field-output_schema, td.field-output_schema").forEach(function (cell) {
      if (cell.querySelector(".wd-editor-closed") || cell.querySelector(".wd-editor-dialog") ||
          cell.querySelector(".wd-editor-show")) {
        return;
      }
      var textarea = cell.querySelector("textarea");
      if (!textarea) {
        return;
      }
      var bar = make("div", "wd-editor-closed");
      bar.appendChild(make("span", "wd-editor-summary", summaryOf(textarea)));
      bar.appendChild(make("button", "button wd-editor-open", word("edit", "Edit")));
      cell.classList.add("wd-editor-in-dialog");
      cell.insertBefore(bar, cell.querySelector(".django-jsonform-container, [data-django-jsonform-container]"));
    });
  }

  function taskTitle(row) {
    var title = row && field(row, "title");
    return (title && title.value.trim()) || word("new_task", "New task");
  }

  function openEditor(button) {
    var cell = button.closest("td");
    var row = button.closest("tr");
    var dialog = cell.querySelector(".wd-editor-dialog");
    if (!dialog) {
      dialog = make("dialog", "wd-editor-dialog");
      var head = make("div", "wd-editor-dialog-head");
      var heading = make("h2");
      heading.id = row.id + "-editor-heading";
      dialog.setAttribute("aria-labelledby", heading.id);
      var done = make("button", "button default wd-editor-done", word("done", "Done"));
      head.appendChild(heading);
      head.appendChild(done);
      var body = make("div", "wd-editor-dialog-body");
      // Everything of the editor moves in: the builder's container, its textarea, any preview.
      Array.prototype.slice.call(cell.children).forEach(function (child) {
        if (!child.classList.contains("wd-editor-closed") && !child.classList.contains("errorlist")) {
          body.appendChild(child);
        }
      });
      var textarea = body.querySelector("textarea[data-wd-jsonform]");
      if (textarea) {
        // Written closed: the editor's config waits under another name until it is opened.
        textarea.setAttribute("data-django-jsonform", textarea.getAttribute("data-wd-jsonform"));
        textarea.removeAttribute("data-wd-jsonform");
      }
      dialog.appendChild(head);
      dialog.appendChild(body);
      // Inside the form (its textarea is sent with it); shown modally it is laid out on top.
      cell.appendChild(dialog);
      dialog.addEventListener("close", function () {
        var area = dialog.querySelector("textarea");
        var summary = cell.querySelector(".wd-editor-summary");
        if (area && summary) {
          summary.textContent = summaryOf(area);
        }
        scheduleCheck();
      });
      done.addEventListener("click", function () { dialog.close(); });
    }
    dialog.querySelector("h2").textContent = word("form_of", "Output form of") + " " + taskTitle(row);
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".wd-editor-open");
    if (button) {
      event.preventDefault();
      openEditor(button);
    }
  });

  // On load ---------------------------------------------------------------------------------

  function startTables() {
    // The admin's inline script (inlines.js) runs the tables, given the "Add another" row the
    // page wrote (see edit_inline/tabular.html): left to make its own, it styles the whole page
    // to decide whether to show it.
    var $ = window.django && window.django.jQuery;
    if (!$ || !$.fn.tabularFormset) {
      return;
    }
    $(".js-inline-admin-formset[data-inline-type='designer-tabular']").each(function () {
      var group = $(this);
      var data = group.data("inlineFormset");
      var selector = data.name + "-group .tabular.inline-related tbody:first > tr.form-row";
      var addButton = group.find("tr.add-row a.addlink");
      var options = $.extend({}, data.options, addButton.length ? { addButton: addButton } : {});
      $(selector).tabularFormset(selector, options);
    });
  }

  function start() {
    rowsOf("tasks").forEach(function (row) {
      var slug = field(row, "slug");
      if (slug) {
        slug.setAttribute("data-wd-slug", slug.value.trim());
      }
    });
    prepareEditors(document);
    var tasks = pageTasks();
    if (tasks.length <= EAGER_PICKER_TASKS) {
      refreshPickers();
    } else {
      // The server wrote each list with the task it names and the page's task list: both
      // stand as they are until a task changes or a list is opened.
      drawnTasks = tasksKey(tasks);
    }
    startTables();
    ["tasks", "transitions"].forEach(blankRowWhenNear);
  }

  window.wdDesigner = {
    designer: designer, word: word, rowsOf: rowsOf, field: field, valueOf: valueOf, isDeleted: isDeleted,
    isBlank: isBlank, scheduleCheck: null,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
