/* Workflow change page: the from/to task list of the transition rows follows the task rows,
   so a task typed on this page can be picked before it is saved (see forms.TaskRefs). */
(function () {
  "use strict";

  function taskRows() {
    return document.querySelectorAll('input[name^="tasks-"][name$="-slug"]:not([name*="__prefix__"])');
  }

  function refresh() {
    var list = document.getElementById("wd-task-slugs");
    var inputs = taskRows();
    if (!list || inputs.length === 0) {
      return;  // read-only workflow: the server's list stands
    }
    var seen = {};
    var options = [];
    inputs.forEach(function (input) {
      var slug = input.value.trim();
      var row = input.closest(".inline-related");
      var deleted = row && row.querySelector('input[name$="-DELETE"]:checked');
      if (!slug || seen[slug] || deleted) {
        return;
      }
      seen[slug] = true;
      var title = document.getElementsByName(input.name.replace(/-slug$/, "-title"))[0];
      var option = document.createElement("option");
      option.value = slug;
      option.textContent = title ? title.value : slug;
      options.push(option);
    });
    list.replaceChildren.apply(list, options);
  }

  document.addEventListener("input", function (event) {
    if (event.target.name && /^tasks-\d+-(slug|title)$/.test(event.target.name)) {
      // The slug may be filled from the title by the admin's prepopulate script.
      window.setTimeout(refresh, 0);
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.name && /^tasks-\d+-(slug|DELETE)$/.test(event.target.name)) {
      refresh();
    }
  });
  document.addEventListener("formset:added", refresh);
  document.addEventListener("formset:removed", refresh);

  /* A saved task's output form is written closed (a summary and "Edit", see widgets.py):
     opening it hands its config to django-jsonform, which builds editors for elements added
     to the page, so the editor's two elements are added again inside a new block. */
  function openEditor(button) {
    var closed = button.closest(".wd-editor-closed");
    var container = closed && closed.nextElementSibling;
    var textarea = container && container.nextElementSibling;
    if (!textarea || !textarea.hasAttribute("data-wd-jsonform")) {
      return;
    }
    textarea.setAttribute("data-django-jsonform", textarea.getAttribute("data-wd-jsonform"));
    textarea.removeAttribute("data-wd-jsonform");
    var block = document.createElement("div");
    block.className = "wd-editor-opened";
    block.appendChild(container);
    block.appendChild(textarea);
    closed.replaceWith(block);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".wd-editor-open");
    if (button) {
      event.preventDefault();
      openEditor(button);
    }
  });
})();
