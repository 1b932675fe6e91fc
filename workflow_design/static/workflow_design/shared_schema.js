/* Editors whose schema is named (config.schemaRef) get it from the page's one copy of the
   editor schemas (<script id="wd-editor-schemas">), see workflow_design/admin/widgets.py.

   A field list ("field_list") gets the form builder below instead of the generic JSON editor:
   each field shows only the settings its type uses, and beside the fields the form is drawn as
   the worker sees it (form_preview.js) from the JSON Schema the server generates for it, with
   the server's problems with the list. */
(function () {
  "use strict";
  if (!window.reactJsonForm || window.reactJsonForm.__wdShared) {
    return;
  }
  var original = window.reactJsonForm.createForm;
  var schemas = null;

  function sharedSchemas() {
    if (schemas === null) {
      var node = document.getElementById("wd-editor-schemas");
      schemas = node ? JSON.parse(node.textContent) : {};
    }
    return schemas;
  }

  window.reactJsonForm.createForm = function (config) {
    var builder = sharedSchemas().field_builder;
    if (config.schemaRef === "field_list" && builder && window.wdFormPreview) {
      return fieldBuilder(config, builder);
    }
    if (config.schemaRef && !config.schema) {
      config.schema = sharedSchemas()[config.schemaRef];
    }
    return original.call(this, config);
  };
  window.reactJsonForm.__wdShared = true;

  // The builder draws with the preview's helper (form_preview.js, loaded with this script).
  function element(tag, attrs, text) {
    return window.wdFormPreview.element(tag, attrs, text);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) {
      return input.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* A text field's length limit may be stored as max or max_length (the schema takes the smaller):
     the builder shows one "Max length". */
  function normalise(field) {
    if (field.max !== undefined && field.max !== null && ["text", "long_text", "email"].indexOf(field.type) !== -1) {
      var both = [field.max, field.max_length].filter(function (v) { return typeof v === "number"; });
      field.max_length = Math.min.apply(null, both);
      delete field.max;
    }
    return field;
  }

  function slugFrom(text) {
    var name = text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (name && !/^[a-z]/.test(name)) {
      name = "f_" + name;
    }
    return name.slice(0, 63);
  }

  /* The builder: the same object shape as django-jsonform's (render, update, validate), writing
     the list into the hidden textarea on every change. */
  function fieldBuilder(config, setup) {
    var words = setup.words;
    var textarea = document.getElementById(config.dataInputId);
    var container = document.getElementById(config.containerId);
    var readonly = Boolean(config.readonly);
    var fields = Array.isArray(config.data) ? config.data.map(function (f) {
      return normalise(Object.assign({}, f));
    }) : [];
    var list, preview, problems, timer = null, sent = 0;

    function save() {
      textarea.value = JSON.stringify(fields);
      textarea.dispatchEvent(new Event("change", { bubbles: true }));
      schedulePreview();
    }

    function schedulePreview() {
      window.clearTimeout(timer);
      timer = window.setTimeout(askPreview, 300);
    }

    function askPreview() {
      var mine = ++sent;
      fetch(setup.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ fields: fields }),
      }).then(function (response) {
        return response.json();
      }).then(function (answer) {
        if (mine !== sent) {
          return;  // a newer list was sent meanwhile
        }
        problems.replaceChildren();
        (answer.errors || []).forEach(function (message) {
          problems.appendChild(element("li", {}, message));
        });
        problems.hidden = !(answer.errors || []).length;
        if (answer.schema) {
          window.wdFormPreview.render(preview, answer.schema, { widgets: answer.widgets, messages: answer.messages });
        }
      }).catch(function () {
        problems.replaceChildren(element("li", {}, words.unavailable));
        problems.hidden = false;
      });
    }

    function input(attrs, value, onChange) {
      var node = element("input", attrs);
      if (attrs.type === "checkbox") {
        node.checked = Boolean(value);
      } else {
        node.value = value === undefined || value === null ? "" : String(value);
      }
      node.disabled = readonly;
      node.addEventListener(attrs.type === "checkbox" ? "change" : "input", function () {
        onChange(attrs.type === "checkbox" ? node.checked : node.value, node);
      });
      return node;
    }

    function labelled(text, control, css) {
      var label = element("label", { class: css });
      if (css === "wd-builder-check") {
        label.appendChild(control);
        label.appendChild(document.createTextNode(text));
      } else {
        label.appendChild(document.createTextNode(text));
        label.appendChild(control);
      }
      return label;
    }

    function numberOrNull(text) {
      if (text.trim() === "") {
        return null;
      }
      var number = Number(text);
      return Number.isFinite(number) ? number : text;
    }

    function setOrDrop(field, key, value) {
      if (value === null || value === "" || value === undefined) {
        delete field[key];
      } else {
        field[key] = value;
      }
    }

    function optionLines(field, index) {
      var box = element("div", { class: "wd-builder-options" });
      var options = setup.options[field.type] || [];
      var line = element("div", { class: "wd-builder-line" });
      options.forEach(function (key) {
        if (key === "choices") {
          box.appendChild(choiceEditor(field, index));
          return;
        }
        var attrs = { type: "number", "data-key": key, step: key === "max_length" ? "1" : "any" };
        line.appendChild(labelled(setup.option_labels[field.type + "." + key] || setup.option_labels[key],
          input(attrs, field[key], function (value) { setOrDrop(field, key, numberOrNull(value)); save(); })));
      });
      line.appendChild(labelled(words.default, input({ type: "text", "data-key": "default",
        placeholder: setup.default_hints[field.type] || "" }, field.default, function (value) {
        setOrDrop(field, "default", value);
        save();
      })));
      box.appendChild(line);
      return box;
    }

    function choiceEditor(field, index) {
      var box = element("div", { class: "wd-builder-choices" });
      box.appendChild(element("div", { class: "wd-builder-caption" }, words.choices));
      field.choices = Array.isArray(field.choices) ? field.choices : [];
      field.choices.forEach(function (choice, position) {
        var row = element("div", { class: "wd-builder-choice" });
        var current = typeof choice === "object" && choice ? choice : { value: String(choice) };
        field.choices[position] = current;
        row.appendChild(input({ type: "text", placeholder: words.value, "aria-label": words.value, "data-key": "choice-value" },
          current.value, function (value) { current.value = value; save(); }));
        row.appendChild(input({ type: "text", placeholder: words.label, "aria-label": words.label, "data-key": "choice-label" },
          current.label, function (value) { setOrDrop(current, "label", value); save(); }));
        if (!readonly) {
          var remove = element("button", { type: "button", class: "button", title: words.remove_choice }, "✕");
          remove.addEventListener("click", function () { field.choices.splice(position, 1); redraw(); save(); });
          row.appendChild(remove);
        }
        box.appendChild(row);
      });
      if (!readonly) {
        var add = element("button", { type: "button", class: "button wd-builder-add-choice" }, words.add_choice);
        add.addEventListener("click", function () { field.choices.push({ value: "" }); redraw(); save(); });
        box.appendChild(add);
      }
      return box;
    }

    function tool(text, title, action) {
      var button = element("button", { type: "button", class: "button", title: title, "aria-label": title }, text);
      button.addEventListener("click", action);
      return button;
    }

    function fieldCard(field, index) {
      var card = element("div", { class: "wd-builder-field", "data-index": String(index) });
      var line = element("div", { class: "wd-builder-line" });
      var nameInput;
      var named = Boolean(field.name);
      line.appendChild(labelled(words.label, input({ type: "text", class: "wd-builder-wide", "data-key": "label" },
        field.label, function (value) {
          field.label = value;
          if (!named && nameInput) {
            field.name = slugFrom(value);
            nameInput.value = field.name;
          }
          save();
        })));
      nameInput = input({ type: "text", "data-key": "name", spellcheck: "false" }, field.name, function (value) {
        named = value !== "";
        field.name = value;
        save();
      });
      line.appendChild(labelled(words.name, nameInput));
      var type = element("select", { "data-key": "type" });
      setup.types.forEach(function (pair) {
        type.appendChild(element("option", { value: pair[0] }, pair[1]));
      });
      type.value = field.type || "text";
      type.disabled = readonly;
      type.addEventListener("change", function () {
        // Settings the new type does not use go: a hidden setting would still apply.
        var keep = setup.options[type.value] || [];
        ["choices", "min", "max", "max_length"].forEach(function (key) {
          if (keep.indexOf(key) === -1) {
            delete field[key];
          }
        });
        delete field.default;
        field.type = type.value;
        redraw();
        save();
      });
      line.appendChild(labelled(words.type, type));
      line.appendChild(labelled(words.required, input({ type: "checkbox", "data-key": "required" }, field.required,
        function (value) { field.required = value; save(); }), "wd-builder-check"));
      if (!readonly) {
        var tools = element("span", { class: "wd-builder-tools" });
        tools.appendChild(tool("↑", words.move_up, function () { move(index, -1); }));
        tools.appendChild(tool("↓", words.move_down, function () { move(index, 1); }));
        tools.appendChild(tool("✕", words.remove_field, function () { fields.splice(index, 1); redraw(); save(); }));
        line.appendChild(tools);
      }
      card.appendChild(line);
      var help = element("div", { class: "wd-builder-line" });
      help.appendChild(labelled(words.help_text, input({ type: "text", class: "wd-builder-wide", "data-key": "help_text" },
        field.help_text, function (value) { setOrDrop(field, "help_text", value); save(); })));
      card.appendChild(help);
      card.appendChild(optionLines(field, index));
      return card;
    }

    function move(index, step) {
      var target = index + step;
      if (target < 0 || target >= fields.length) {
        return;
      }
      var moved = fields.splice(index, 1)[0];
      fields.splice(target, 0, moved);
      redraw();
      save();
    }

    function redraw() {
      list.replaceChildren();
      fields.forEach(function (field, index) {
        list.appendChild(fieldCard(field, index));
      });
    }

    function render() {
      var root = element("div", { class: "wd-builder" });
      var left = element("div", { class: "wd-builder-fields" });
      problems = element("ul", { class: "errorlist wd-builder-problems", "aria-live": "polite" });
      problems.hidden = true;
      list = element("div", { class: "wd-builder-list" });
      left.appendChild(problems);
      left.appendChild(list);
      if (!readonly) {
        var add = element("button", { type: "button", class: "button wd-builder-add" }, words.add_field);
        add.addEventListener("click", function () {
          fields.push({ name: "", label: "", type: "text", required: false });
          redraw();
          save();
          var cards = list.querySelectorAll(".wd-builder-field");
          var last = cards[cards.length - 1];
          if (last) {
            last.querySelector("input").focus();
          }
        });
        left.appendChild(add);
      }
      var right = element("div", { class: "wd-builder-preview" });
      right.appendChild(element("h3", {}, words.preview));
      preview = element("div", { class: "wd-form-preview" });
      right.appendChild(preview);
      root.appendChild(left);
      root.appendChild(right);
      container.replaceChildren(root);
      redraw();
      // The textarea is what the form sends: it holds the list from the start, not after a change.
      textarea.value = JSON.stringify(fields);
      askPreview();
    }

    return {
      render: render,
      update: function () {},
      validate: function () { return { isValid: true, errorMap: {} }; },
      getData: function () { return fields; },
    };
  }
})();
