(function () {
  var bar = document.getElementById('filters');
  if (!bar) return;
  var items = document.querySelectorAll('[data-finding]');
  var count = document.getElementById('shown');
  function apply() {
    var sev = {};
    bar.querySelectorAll('input[data-sev]').forEach(function (b) { sev[b.getAttribute('data-sev')] = b.checked; });
    var status = bar.querySelector('select').value;
    var q = bar.querySelector('input[type=search]').value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (el) {
      var ok = sev[el.getAttribute('data-sev')] &&
        (status === 'all' || el.getAttribute('data-status') === status) &&
        (q === '' || el.getAttribute('data-text').indexOf(q) !== -1);
      el.hidden = !ok;
      if (ok && el.tagName === 'TR') shown++;
    });
    count.textContent = shown + ' shown';
  }
  bar.addEventListener('input', apply);
  bar.addEventListener('change', apply);
  apply();
})();
