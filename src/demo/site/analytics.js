// A stand-in for an analytics tag: Charter activates it only after analytics consent.
(function () {
  document.cookie = "_demo_analytics=" + Date.now() + "; Path=/; Max-Age=31536000";
  function mark() {
    var status = document.getElementById("analytics-status");
    if (status) status.textContent = "Analytics: loaded";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
