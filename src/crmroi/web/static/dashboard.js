// crmroi dashboard: draws the page's Vega-Lite charts and uploads files with progress.
// Loaded from the server (the CSP allows no inline script); page data comes from JSON blocks.
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  }

  function drawCharts() {
    var specs = readJson("chart-specs");
    var locale = readJson("chart-locale");
    var options = {
      actions: false, renderer: "svg", ast: true, defaultStyle: false,
      formatLocale: locale.format, timeFormatLocale: locale.time
    };
    var pending = Object.keys(specs).map(function (id) {
      var target = document.getElementById("chart-" + id);
      if (!target) { return Promise.resolve(); }
      return window.vegaEmbed(target, specs[id], options).then(function () {
        target.setAttribute("data-rendered", "true");
      });
    });
    Promise.all(pending).then(function () {
      document.body.setAttribute("data-charts-ready", "true");
    }, function (error) {
      document.body.setAttribute("data-charts-error", String(error));
    });
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var bar = document.getElementById("upload-progress");
    var message = document.getElementById("upload-error");
    var drop = document.getElementById("drop");
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      input.files = event.dataTransfer.files;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      bar.hidden = false;
      message.hidden = true;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      request.addEventListener("load", function () {
        if (request.status < 400) {
          window.location.assign(request.responseURL);
        } else {
          bar.hidden = true;
          message.textContent = request.responseText;
          message.hidden = false;
        }
      });
      request.setRequestHeader("Accept", "text/plain");
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    var form = document.getElementById("upload-form");
    if (form) { upload(form); }
  });
})();
