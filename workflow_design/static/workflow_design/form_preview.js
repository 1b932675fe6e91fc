/* The form a worker fills, drawn from its generated JSON Schema (rules/field_schemas.py), with
   that schema's validation: required, type, minimum/maximum, minLength/maxLength, enum,
   uniqueItems and the date and email formats, checked as the server's jsonschema checks them.

   Used by the form builder (shared_schema.js), the read-only pages of published definitions
   and the dry run's value entry. Plain JavaScript, no library: window.wdFormPreview. */
(function () {
  "use strict";

  var DEFAULT_MESSAGES = {
    required: "This field is required.",
    type_integer: "Enter a whole number.",
    type_number: "Enter a number.",
    type_string: "Enter text.",
    type_boolean: "Pick yes or no.",
    type_array: "Pick from the listed choices.",
    minimum: "Enter a value of at least %(limit)s.",
    maximum: "Enter a value of at most %(limit)s.",
    minLength: "Enter at least %(limit)s characters.",
    maxLength: "Enter at most %(limit)s characters.",
    enum: "Pick one of the listed choices.",
    uniqueItems: "Pick each choice once.",
    format_email: "Enter an email address.",
    format_date: "Enter a date (YYYY-MM-DD).",
    yes: "Yes",
    no: "No",
    empty: "---------",
    no_fields: "This form has no fields.",
    check: "Check",
    valid: "Every value is valid.",
  };
  var DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

  function say(messages, key, limit) {
    var text = (messages && messages[key]) || DEFAULT_MESSAGES[key] || key;
    return text.replace("%(limit)s", String(limit));
  }

  function isRealDate(text) {
    // date.fromisoformat's check: the month and the day exist.
    if (!DATE_PATTERN.test(text)) {
      return false;
    }
    var parts = text.split("-").map(Number);
    var date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    return date.getUTCFullYear() === parts[0] && date.getUTCMonth() === parts[1] - 1 && date.getUTCDate() === parts[2];
  }

  function codePoints(text) {
    return Array.from(text).length;  // JSON Schema counts characters, not UTF-16 units
  }

  /* The messages for one value against one property's schema (the value is present). Each
     keyword is checked on its own, as JSON Schema does: a limit applies to any number. */
  function valueErrors(schema, value, messages) {
    var errors = [];
    var type = schema.type;
    var isNumber = typeof value === "number" && Number.isFinite(value);  // NaN: a number box the browser cannot read
    var isType = {
      integer: isNumber && Number.isInteger(value),
      number: isNumber,
      string: typeof value === "string",
      boolean: typeof value === "boolean",
      array: Array.isArray(value),
    };
    if (type in isType && !isType[type]) {
      errors.push(say(messages, "type_" + type));
    }
    if (isNumber) {
      if (schema.minimum !== undefined && value < schema.minimum) {
        errors.push(say(messages, "minimum", schema.minimum));
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        errors.push(say(messages, "maximum", schema.maximum));
      }
    }
    if (typeof value === "string") {
      var length = codePoints(value);
      if (schema.minLength !== undefined && length < schema.minLength) {
        errors.push(say(messages, "minLength", schema.minLength));
      }
      if (schema.maxLength !== undefined && length > schema.maxLength) {
        errors.push(say(messages, "maxLength", schema.maxLength));
      }
      if (schema.format === "email" && value.indexOf("@") === -1) {
        errors.push(say(messages, "format_email"));
      }
      if (schema.format === "date" && !isRealDate(value)) {
        errors.push(say(messages, "format_date"));
      }
    }
    if (schema.enum && schema.enum.indexOf(value) === -1) {
      errors.push(say(messages, "enum"));
    }
    if (Array.isArray(value)) {
      var itemEnum = schema.items && schema.items.enum;
      if (itemEnum && value.some(function (item) { return itemEnum.indexOf(item) === -1; })) {
        errors.push(say(messages, "enum"));
      }
      if (schema.uniqueItems && new Set(value).size !== value.length) {
        errors.push(say(messages, "uniqueItems"));
      }
    }
    return errors;
  }

  /* The messages for a whole form value, by field name. */
  function formErrors(schema, data, messages) {
    var errors = {};
    var properties = schema.properties || {};
    (schema.required || []).forEach(function (name) {
      if (!(name in data)) {
        errors[name] = [say(messages, "required")];
      }
    });
    Object.keys(data).forEach(function (name) {
      if (properties[name]) {
        var found = valueErrors(properties[name], data[name], messages);
        if (found.length) {
          errors[name] = found;
        }
      }
    });
    return errors;
  }

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) {
        node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
      }
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* The input of one property, as the worker gets it. `widget` tells a long text apart. The
     inputs have no name: a preview sits inside the admin's form, whose save must not send them. */
  function control(name, schema, widget, id, messages) {
    var type = schema.type;
    var input;
    if (type === "boolean" || (type === "string" && schema.enum)) {
      input = element("select", { id: id, "data-name": name });
      input.appendChild(element("option", { value: "" }, say(messages, "empty")));
      var options = type === "boolean" ? [["true", say(messages, "yes")], ["false", say(messages, "no")]]
        : schema.enum.map(function (value) { return [value, value]; });
      options.forEach(function (pair) {
        input.appendChild(element("option", { value: pair[0] }, pair[1]));
      });
    } else if (type === "array") {
      input = element("div", { id: id, class: "wd-preview-choices", role: "group" });
      ((schema.items && schema.items.enum) || []).forEach(function (value, index) {
        var label = element("label", {});
        label.appendChild(element("input", { type: "checkbox", "data-name": name, value: value, id: id + "_" + index }));
        label.appendChild(document.createTextNode(" " + value));
        input.appendChild(label);
      });
    } else if (type === "integer" || type === "number") {
      input = element("input", {
        type: "number", id: id, "data-name": name, step: type === "integer" ? "1" : "any",
        min: schema.minimum, max: schema.maximum,
      });
    } else if (widget === "long_text") {
      input = element("textarea", { id: id, "data-name": name, rows: "3" });
    } else {
      var inputType = { email: "email", date: "date", "date-time": "datetime-local" }[schema.format] || "text";
      input = element("input", { type: inputType, id: id, "data-name": name });
    }
    if (schema.default !== undefined) {
      setValue(input, schema, schema.default);
    }
    return input;
  }

  function setValue(input, schema, value) {
    if (schema.type === "array") {
      input.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.checked = Array.isArray(value) && value.indexOf(box.value) !== -1;
      });
    } else if (schema.type === "boolean") {
      input.value = value === true ? "true" : value === false ? "false" : "";
    } else {
      input.value = value === null || value === undefined ? "" : String(value);
    }
  }

  /* What an input holds, in the JSON the schema checks; undefined when it is empty. A number
     box the browser cannot read holds NaN, which the type check refuses. */
  function readValue(input, schema) {
    var type = schema.type;
    if (type === "array") {
      var picked = [];
      input.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) { picked.push(box.value); });
      return picked.length ? picked : undefined;
    }
    if (input.validity && input.validity.badInput) {
      return NaN;
    }
    var text = input.value;
    if (text === "") {
      return undefined;
    }
    if (type === "boolean") {
      return text === "true";
    }
    if (type === "integer" || type === "number") {
      return Number(text);
    }
    if (schema.format === "date-time" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) {
      return text + ":00";
    }
    return text;
  }

  function showErrors(holder, list) {
    holder.replaceChildren();
    (list || []).forEach(function (message) {
      holder.appendChild(element("li", {}, message));
    });
    holder.hidden = !list || !list.length;
  }

  var counter = 0;

  /* Draws the form of `schema` into `container`; returns {values, check}. `options.widgets` maps
     a field name to its field type (long_text is a string like text, but a larger box). */
  function render(container, schema, options) {
    options = options || {};
    var messages = options.messages || {};
    var widgets = options.widgets || {};
    var properties = schema.properties || {};
    var required = schema.required || [];
    var prefix = "wd-preview-" + (++counter);
    var form = element("div", { class: "wd-preview-form" });
    var rows = {};
    var names = Object.keys(properties);
    if (!names.length) {
      form.appendChild(element("p", { class: "wd-preview-empty" }, say(messages, "no_fields")));
    }
    names.forEach(function (name) {
      var property = properties[name];
      var id = prefix + "-" + name;
      var row = element("div", { class: "wd-preview-row", "data-field": name });
      var label = element("label", { for: id }, property.title || name);
      if (required.indexOf(name) !== -1) {
        label.classList.add("required");
        label.appendChild(element("span", { class: "wd-preview-required", "aria-hidden": "true" }, " *"));
      }
      var input = control(name, property, widgets[name], id, messages);
      var errors = element("ul", { class: "errorlist wd-preview-errors", id: id + "-errors" });
      errors.hidden = true;
      input.setAttribute("aria-describedby", id + "-errors");
      row.appendChild(label);
      row.appendChild(input);
      if (property.description) {
        row.appendChild(element("div", { class: "help" }, property.description));
      }
      row.appendChild(errors);
      form.appendChild(row);
      rows[name] = { input: input, errors: errors, schema: property, touched: false };
    });

    function values() {
      var data = {};
      names.forEach(function (name) {
        var value = readValue(rows[name].input, rows[name].schema);
        if (value !== undefined) {
          data[name] = value;
        }
      });
      return data;
    }

    /* Checks the whole form; `all` shows the messages of untouched fields too. */
    function check(all) {
      var found = formErrors(schema, values(), messages);
      names.forEach(function (name) {
        var row = rows[name];
        showErrors(row.errors, all || row.touched ? found[name] : null);
        row.input.setAttribute("aria-invalid", found[name] && (all || row.touched) ? "true" : "false");
      });
      return found;
    }

    form.addEventListener("input", function (event) {
      var row = event.target.closest(".wd-preview-row");
      if (row && rows[row.dataset.field]) {
        rows[row.dataset.field].touched = true;
      }
      check(false);
    });
    form.addEventListener("change", function () { check(false); });
    var status = element("p", { class: "wd-preview-status", "aria-live": "polite" });
    if (names.length) {
      var button = element("button", { type: "button", class: "button wd-preview-check" }, say(messages, "check"));
      button.addEventListener("click", function () {
        var found = check(true);
        status.textContent = Object.keys(found).length ? "" : say(messages, "valid");
      });
      form.appendChild(button);
      form.appendChild(status);
    }
    container.replaceChildren(form);
    return { values: values, check: check };
  }

  function readJSON(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  /* Previews written by the server: <div class="wd-form-preview" data-wd-schema=… data-wd-widgets=…>. */
  function renderWritten(root) {
    (root || document).querySelectorAll(".wd-form-preview[data-wd-schema]").forEach(function (node) {
      if (node.dataset.wdDrawn) {
        return;
      }
      node.dataset.wdDrawn = "1";
      render(node, readJSON(node.dataset.wdSchema, {}), {
        widgets: readJSON(node.dataset.wdWidgets, {}),
        messages: readJSON(node.dataset.wdMessages, {}),
      });
    });
  }

  /* Inputs of a server form that carry their field's schema (data-wd-value-schema): checked as
     they are typed, with the same messages the server gives when the form is sent. */
  function checkMarkedInputs(root) {
    (root || document).querySelectorAll("[data-wd-value-schema]").forEach(function (input) {
      if (input.dataset.wdChecked) {
        return;
      }
      input.dataset.wdChecked = "1";
      var schema = readJSON(input.dataset.wdValueSchema, {});
      var messages = readJSON(input.dataset.wdMessages, {});
      var holder = element("ul", { class: "errorlist wd-preview-errors" });
      holder.hidden = true;
      input.insertAdjacentElement("afterend", holder);
      function update() {
        var value = readValue(input, schema);
        showErrors(holder, value === undefined ? [] : valueErrors(schema, value, messages));
      }
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
  }

  window.wdFormPreview = {
    render: render,
    formErrors: formErrors,
    valueErrors: valueErrors,
    renderWritten: renderWritten,
    element: element,
  };

  function start() {
    renderWritten(document);
    checkMarkedInputs(document);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
