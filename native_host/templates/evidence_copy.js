// Copy button of the evidence pack's letter. Inline and allowed by the page's CSP through its SHA-256 hash only;
// it reads the textarea and writes the clipboard, nothing else. Without script the button stays hidden and the
// note beside it says how to copy by hand.
'use strict';
(function () {
  var button = document.getElementById('copy-letter');
  var text = document.getElementById('letter-text');
  var status = document.getElementById('copy-status');
  if (!button || !text || !status) return;
  function report(ok) {
    status.textContent = ok ? button.getAttribute('data-done') : button.getAttribute('data-failed');
  }
  function fallback() {
    text.focus();
    text.select();
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    report(ok);
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.value).then(function () {
        report(true);
      }, fallback);
    } else {
      fallback();
    }
  });
})();
