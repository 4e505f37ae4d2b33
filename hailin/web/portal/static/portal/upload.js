// Drop files onto the upload form; list what was chosen; one submission at a time.
(function () {
  var form = document.getElementById("upload-form");
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var chosen = document.getElementById("chosen");
  var send = document.getElementById("send");
  if (!form || !drop || !input) { return; }
  function list() {
    chosen.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KiB)";
      chosen.appendChild(item);
    });
  }
  input.addEventListener("change", list);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      list();
    }
  });
  form.addEventListener("submit", function () { send.disabled = true; });
})();
