// The admin's live monitor: refresh the figures every ten seconds, unless staff are in
// the middle of choosing lots for an action.
(function () {
  "use strict";
  setInterval(function () {
    if (!document.querySelector("#result_list input.action-select:checked")) location.reload();
  }, 10000);
})();
