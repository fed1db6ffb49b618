// The API page (/tokens/api): Redoc renders the API's OpenAPI document
// into #redoc. Its style sheets carry the page's nonce (see apiDocsCSP in
// app/web/openapi.go), which the page hands over in data-nonce.
(function () {
  var el = document.getElementById("redoc");
  if (!el || typeof Redoc === "undefined") {
    return;
  }
  Redoc.init(el.dataset.specUrl, {
    nonce: el.dataset.nonce,
    expandResponses: "200,201,202",
    jsonSampleExpandLevel: 3,
    sortPropsAlphabetically: false,
    hideHostname: false,
    scrollYOffset: 0
  }, el, function (err) {
    if (err) {
      el.textContent = "API belgesi görüntülenemedi: " + err;
    }
  });
})();
