/* The workflow page's checks while it is edited: the unsaved page is sent (debounced) to the
   live check endpoint, whose findings are put beside the field or row at fault and whose
   drawing replaces the diagram; and the jump from a diagram node to its task's row.
   Uses the helpers of designer.js (window.wdDesigner), loaded before it. */
(function () {
  "use strict";

  var shared = window.wdDesigner;
  if (!shared) {
    return;
  }
  var designer = shared.designer;
  var word = shared.word;
  var rowsOf = shared.rowsOf;
  var field = shared.field;
  var valueOf = shared.valueOf;
  var isDeleted = shared.isDeleted;
  var isBlank = shared.isBlank;

  // From the diagram to a task's row --------------------------------------------------------

  var liveOrder = null;  // the rows of the last live check's drawing, by task number

  function showTaskRow(row) {
    if (!row) {
      return false;
    }
    var details = row.closest("details");
    if (details) {
      details.open = true;
    }
    row.scrollIntoView({ block: "center" });
    row.classList.add("wd-jumped");
    window.setTimeout(function () { row.classList.remove("wd-jumped"); }, 2000);
    var title = field(row, "title");
    if (title) {
      title.focus({ preventScroll: true });
    }
    return true;
  }

  function rowOfSlug(slug) {
    return rowsOf("tasks").filter(function (row) {
      var input = field(row, "slug");
      return input && input.value.trim() === slug;
    })[0];
  }

  function followHash() {
    var match = /^#task-(.+)$/.exec(window.location.hash);
    if (match) {
      showTaskRow(rowOfSlug(decodeURIComponent(match[1])));
    }
  }
  window.addEventListener("hashchange", followHash);

  document.addEventListener("click", function (event) {
    var node = event.target.closest && event.target.closest("#workflow-diagram g.task");
    if (!node) {
      return;
    }
    if (event.target.closest("a")) {
      // A node's own link goes to #task-<slug>; the same link clicked again changes no hash.
      window.setTimeout(followHash, 0);
      return;
    }
    var key = /^t(\d+)$/.exec(node.getAttribute("data-task") || "");
    if (!key) {
      return;
    }
    var row = null;
    if (liveOrder) {
      row = document.getElementById(liveOrder[parseInt(key[1], 10) - 1]);
    } else {
      rowsOf("tasks").forEach(function (candidate) {
        var id = field(candidate, "id");
        if (id && id.value === key[1]) {
          row = candidate;
        }
      });
    }
    showTaskRow(row);
  });

  // Live checks -----------------------------------------------------------------------------

  var checkUrl = designer && designer.getAttribute("data-live-check-url");
  var timer = null;
  var sent = 0;

  function pageState() {
    var form = designer.closest("form");
    var main = {};
    ["title", "slug", "fields", "display_layout"].forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && input.value !== undefined) {
        main[name] = input.value;
      }
    });
    var tasks = rowsOf("tasks").filter(function (row) { return !isBlank(row); }).map(function (row) {
      return {
        row: row.id, id: valueOf(row, "id") || null, title: valueOf(row, "title"), slug: valueOf(row, "slug"),
        position: valueOf(row, "position"), assignee_role: valueOf(row, "assignee_role"),
        output_schema: valueOf(row, "output_schema"), deleted: isDeleted(row),
      };
    });
    var transitions = rowsOf("transitions").filter(function (row) { return !isBlank(row); }).map(function (row) {
      return {
        row: row.id, id: valueOf(row, "id") || null, from_task: valueOf(row, "from_task"),
        to_task: valueOf(row, "to_task"), priority: valueOf(row, "priority"),
        condition: valueOf(row, "condition"), slug: valueOf(row, "slug"), deleted: isDeleted(row),
      };
    });
    return { workflow: main, tasks: tasks, transitions: transitions };
  }

  function clearFindings() {
    document.querySelectorAll(".wd-live-findings, .wd-live-row").forEach(function (node) { node.remove(); });
    document.querySelectorAll(".wd-live-fault").forEach(function (node) { node.classList.remove("wd-live-fault"); });
  }

  function findingList(findings) {
    var list = document.createElement("ul");
    list.className = "wd-live-findings";
    findings.forEach(function (finding) {
      var item = document.createElement("li");
      item.className = "wd-live-" + finding.level;
      item.textContent = finding.message;
      list.appendChild(item);
    });
    return list;
  }

  function rowFindingsCell(row) {
    // A finding about the whole row: a line of the table's width right below the row.
    var next = row.nextElementSibling;
    if (next && next.classList.contains("wd-live-row")) {
      return next.firstElementChild;
    }
    var line = document.createElement("tr");
    line.className = "wd-live-row";
    var cell = document.createElement("td");
    cell.colSpan = row.children.length;
    line.appendChild(cell);
    row.insertAdjacentElement("afterend", line);
    return cell;
  }

  function placeOf(finding) {
    // The field's cell (or the workflow's form row), else the row's first cell, else the panel.
    if (finding.row) {
      var row = document.getElementById(finding.row);
      if (!row) {
        return null;
      }
      var input = finding.field && field(row, finding.field);
      var cell = input && input.closest("td");
      return cell || rowFindingsCell(row);
    }
    if (finding.field) {
      var main = document.querySelector(".form-row.field-" + finding.field);
      if (main) {
        return main;
      }
    }
    return null;
  }

  function showResult(result) {
    clearFindings();
    var panel = document.getElementById("wd-live-check");
    var general = [];
    var places = [];
    var grouped = [];
    (result.findings || []).forEach(function (finding) {
      var place = placeOf(finding);
      if (!place) {
        general.push(finding);
        return;
      }
      var at = places.indexOf(place);
      if (at === -1) {
        places.push(place);
        grouped.push([finding]);
      } else {
        grouped[at].push(finding);
      }
    });
    places.forEach(function (place, index) {
      place.classList.add("wd-live-fault");
      place.insertBefore(findingList(grouped[index]), place.firstChild);
    });
    if (panel) {
      var status = panel.querySelector(".wd-live-status");
      status.textContent = result.findings.length
        ? word("found", "Found in your unsaved changes:") + " " + result.errors + " " + word("errors", "error(s)") +
          ", " + result.warnings + " " + word("warnings", "warning(s)") + "."
        : word("clean", "No problems found in your unsaved changes.");
      status.className = "wd-live-status " + (result.errors ? "wd-live-has-errors" : "wd-live-clean");
      var old = panel.querySelector(".wd-live-findings");
      if (old) {
        old.remove();
      }
      if (general.length) {
        panel.appendChild(findingList(general));
      }
      panel.hidden = false;
    }
    var drawing = document.querySelector("#workflow-diagram .wd-diagram-scroll");
    if (drawing && result.diagram) {
      drawing.innerHTML = result.diagram;
      document.getElementById("workflow-diagram").hidden = false;
      liveOrder = pageStateRows;
    }
    designer.setAttribute("data-live-checked", String(sent));
  }

  var pageStateRows = null;

  function runCheck() {
    timer = null;
    var state = pageState();
    var number = ++sent;
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var rows = state.tasks.filter(function (task) { return !task.deleted; }).map(function (task) { return task.row; });
    window.fetch(checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(state),
    }).then(function (response) {
      return response.json();
    }).then(function (result) {
      if (number !== sent) {
        return;  // a later check is on its way
      }
      if (result.refused) {
        var panel = document.getElementById("wd-live-check");
        if (panel) {
          panel.querySelector(".wd-live-status").textContent = result.refused;
          panel.hidden = false;
        }
        return;
      }
      pageStateRows = rows;
      showResult(result);
    }).catch(function () { /* the next edit tries again; the save checks everything */ });
  }

  function scheduleCheck() {
    if (!checkUrl) {
      return;
    }
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(runCheck, 500);
  }

  if (designer) {
    var form = designer.closest("form");
    form.addEventListener("input", scheduleCheck);
    form.addEventListener("change", scheduleCheck);
    form.addEventListener("submit", function () {
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
    });
  }

  shared.scheduleCheck = scheduleCheck;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", followHash);
  } else {
    followHash();
  }
})();
