// The registrar's form: letter kind for letters, representatives for collective visits,
// rows added and removed by button, and Ctrl+Enter to submit from the content box.
(function () {
  "use strict";
  const form = document.getElementById("register-form");
  if (!form) return;
  const threshold = parseInt(form.dataset.threshold, 10) || 5;
  const maxReps = parseInt(form.dataset.maxReps, 10) || 5;
  const reps = document.getElementById("representatives");
  const rows = document.getElementById("rep-rows");
  const template = document.getElementById("rep-template");
  const total = form.querySelector("input[name=rep-TOTAL_FORMS]");
  const addButton = document.getElementById("add-rep");
  const hint = document.getElementById("form-hint");
  const people = form.elements.namedItem("people");
  const formSelect = form.elements.namedItem("form");

  function channel() {
    const checked = form.querySelector("input[name=channel]:checked");
    return checked ? checked.value : "";
  }

  function collective() {
    if (formSelect.value) return formSelect.value === "collective";
    return (parseInt(people.value, 10) || 1) >= threshold;
  }

  function renumber() {
    const all = rows.querySelectorAll(".rep-row");
    all.forEach(function (row, index) {
      row.querySelectorAll("input, label, p").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/rep-(\d+|__prefix__)-/g, "rep-" + index + "-"));
        });
      });
      row.querySelector(".rep-number").textContent = String(index + 1);
    });
    total.value = String(all.length);
    addButton.disabled = all.length >= maxReps;
  }

  function addRow(focus) {
    if (rows.querySelectorAll(".rep-row").length >= maxReps) return;
    rows.appendChild(template.content.cloneNode(true));
    renumber();
    if (focus) {
      const inputs = rows.querySelectorAll(".rep-row input");
      inputs[inputs.length - 3].focus();
    }
  }

  function update() {
    document.getElementById("letter-kind").hidden = channel() !== "letter";
    const isCollective = collective();
    if (isCollective && reps.hidden) {
      reps.hidden = false;
      if (!rows.querySelector(".rep-row")) addRow(false);
    } else if (!isCollective && !reps.hidden) {
      // Hide again only when nothing was typed in it: nothing the registrar typed is hidden.
      const typed = Array.from(rows.querySelectorAll("input")).some(function (el) { return el.value.trim(); });
      if (!typed) reps.hidden = true;
    }
    hint.textContent = isCollective
      ? "将按集体访登记；请在下方填写代表人（至多" + maxReps + "名）。"
      : threshold + "人及以上按集体访登记。";
  }

  form.addEventListener("change", update);
  people.addEventListener("input", update);
  addButton.addEventListener("click", function () { addRow(true); });
  rows.addEventListener("click", function (event) {
    const button = event.target.closest(".remove-rep");
    if (!button) return;
    button.closest(".rep-row").remove();
    renumber();
    addButton.focus();
  });
  // a suggested category or unit (intake/_suggestions.html) is put in its field only when picked
  form.addEventListener("click", function (event) {
    const pick = event.target.closest("button[data-pick]");
    if (!pick) return;
    const field = form.elements.namedItem(pick.dataset.pick);
    if (!field) return;
    field.value = pick.dataset.value;
    // the change is what the type-ahead picker (picker.js) shows in its own box
    field.dispatchEvent(new Event("change", { bubbles: true }));
    pick.closest(".suggestions").querySelectorAll("button[data-pick='" + pick.dataset.pick + "']")
      .forEach(function (b) { b.setAttribute("aria-pressed", b === pick ? "true" : "false"); });
  });
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  renumber();
  update();
})();
