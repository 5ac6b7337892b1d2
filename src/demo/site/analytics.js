// A stand-in for an analytics tag: Charter activates it only after analytics consent. Like
// Google Analytics' `_ga`, its cookie is set for the whole domain (`Domain=`), so withdrawing
// consent must expire it there.
(function () {
  var host = location.hostname;
  var named = /[a-z]/i.test(host) && host.indexOf(".") > 0;
  var domain = named ? "; Domain=" + host.split(".").slice(-2).join(".") : "";
  document.cookie = "_demo_analytics=" + Date.now() + "; Path=/; Max-Age=31536000" + domain;
  function mark() {
    var status = document.getElementById("analytics-status");
    if (status) status.textContent = "Analytics: loaded";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
