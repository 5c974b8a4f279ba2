(function () {
  var table = document.getElementById('rosetta');
  document.querySelectorAll('.toggles input[value]').forEach(function (box) {
    box.addEventListener('change', function () {
      table.classList.toggle('hide-' + box.value, !box.checked);
    });
  });
  var wrap = document.getElementById('wrap-lines');
  wrap.addEventListener('change', function () { table.classList.toggle('nowrap', !wrap.checked); });
  var first = document.getElementById('diff-a'), second = document.getElementById('diff-b');
  var same = document.getElementById('diff-same');
  function showDiff() {
    var a = first.value, b = second.value, shown = null;
    document.querySelectorAll('pre.diff').forEach(function (pre) {
      var match = pre.dataset.a === a && pre.dataset.b === b;
      pre.hidden = !match;
      if (match) { shown = pre; }
    });
    same.hidden = a !== b;
    document.getElementById('diff-title').textContent = a === b ? '' : a + '.py \u2192 ' + b + '.py';
  }
  first.addEventListener('change', showDiff);
  second.addEventListener('change', showDiff);
  showDiff();
})();
