// The passkey demo page's own script: runs the ceremony for the requestId its backend put in
// the page, through the OTPless-compatible SDK, and hands the token to the backend.
(function () {
  'use strict';
  const holder = document.getElementById('passkey');
  const start = document.getElementById('start');
  const status = document.getElementById('status');
  if (!holder || !start || typeof window.OTPless !== 'function') {
    if (status) status.textContent = 'The passkey SDK did not load.';
    return;
  }
  const requestId = holder.getAttribute('data-request-id');
  const callback = (userinfo) => {
    if (userinfo && userinfo.token) {
      status.textContent = 'Passkey verified; signing you in…';
      document.getElementById('token').value = userinfo.token;
      document.getElementById('finish').submit();
      return;
    }
    const response = (userinfo && userinfo.response) || {};
    status.textContent = 'Passkey failed: ' + (response.errorCode || 'UNKNOWN_ERROR') +
      (response.reason ? ' [' + response.reason + ']' : '') +
      (response.errorMessage ? ' (' + response.errorMessage + ')' : '');
    start.disabled = false;
  };
  const signin = new window.OTPless(callback);
  start.addEventListener('click', () => {
    start.disabled = true;
    status.textContent = 'Waiting for your passkey…';
    signin.initiate({ requestType: 'initiate', request: { channel: 'WEB_AUTHN', requestId } });
  });
})();
