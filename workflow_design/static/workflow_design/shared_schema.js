/* Editors whose schema is named (config.schemaRef) get it from the page's one copy of the
   editor schemas (<script id="wd-editor-schemas">), see workflow_design/widgets.py. */
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
    if (config.schemaRef && !config.schema) {
      config.schema = sharedSchemas()[config.schemaRef];
    }
    return original.call(this, config);
  };
  window.reactJsonForm.__wdShared = true;
})();
