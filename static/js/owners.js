// The beneficial owners fieldset: "Add another owner" appends a blank owner form. Without
// script the page still offers its empty rows.
(function () {
  "use strict";
  const rows = document.querySelector("[data-owner-rows]");
  if (!rows) return;
  const template = document.querySelector("[data-owner-template]");
  const button = document.querySelector("[data-add-owner]");
  const total = document.getElementById(button.dataset.totalForms);
  button.hidden = false;
  button.addEventListener("click", function () {
    const index = Number(total.value);
    const html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
    rows.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    rows.lastElementChild.querySelector("input, select").focus();
  });
})();
