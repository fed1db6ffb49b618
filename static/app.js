// A page rendered in answer to a form (a form error, a token shown once) is
// shown at the address of the page the form is on, so that reloading it, or
// pressing Enter in the address bar, opens that page rather than the form's
// POST address.
(function () {
  var u = document.body && document.body.dataset.pageUrl;
  if (u && u !== location.pathname + location.search) {
    history.replaceState(null, "", u);
  }
})();
