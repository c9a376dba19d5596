/*
 * Watchword passkey: the headless browser SDK.
 *
 *   <script id="otpless-sdk" src="https://passkey.example/assets/headless.js"
 *           data-appid="YOUR_APP_ID"></script>
 *
 *   const OTPlessSignin = new OTPless((userinfo) => { const token = userinfo.token; });
 *   await OTPlessSignin.initiate({
 *     requestType: 'initiate',
 *     request: { channel: 'WEB_AUTHN', requestId },   // add mediation: 'conditional' for autofill
 *   });
 *
 * `initiate` fetches the WebAuthn options the passkey server prepared for `requestId`, runs the
 * ceremony (`navigator.credentials.create` or `.get`), posts the credential back and hands the
 * server's answer to the callback, exactly once. Its promise resolves to that same object and
 * never rejects. The SDK renders nothing and touches no DOM, so it runs under a strict CSP.
 * It defines one global, `window.OTPless`.
 */
(function () {
  'use strict';

  if (typeof window.OTPless === 'function' && typeof window.OTPless.version === 'string') return;

  const VERSION = '1.0.0';
  const API_PATH = '/auth/v1/webauthn/';
  const LOG_PREFIX = '[watchword passkey]';
  // A new request waits at most this long for the one it aborted to let go of the browser's
  // WebAuthn request slot; browsers settle an aborted request within a task or two.
  const RELEASE_WAIT_MS = 1000;

  // ---- Where the passkey server is -------------------------------------------------------

  const ownScript = document.currentScript || document.getElementById('otpless-sdk') || findOwnScript();
  const SERVER = locateServer(ownScript);

  function findOwnScript() {
    const scripts = document.getElementsByTagName('script');
    for (let i = scripts.length - 1; i >= 0; i--) {
      if (/\/headless\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  /**
   * Reads the server base and the app id from the SDK's own script element. The script lives at
   * `<base>/assets/headless.js` or `<base>/assets/<version>/headless.js`; `data-server`, when
   * present, names the base directly (for a CDN copy of the script).
   */
  function locateServer(script) {
    const appId = (script && script.getAttribute('data-appid')) || '';
    const override = script && script.getAttribute('data-server');
    let url = null;
    try {
      if (override) {
        url = new URL(override, document.baseURI);
        return { base: url.origin + url.pathname.replace(/\/+$/, ''), appId };
      }
      if (script && script.src) url = new URL(script.src, document.baseURI);
    } catch (err) {
      url = null;
    }
    if (!url) return { base: location.origin, appId };
    const match = /^(.*)\/assets\/(?:[^/]+\/)?[^/]*$/.exec(url.pathname);
    return { base: url.origin + (match ? match[1] : ''), appId };
  }

  // ---- Failures --------------------------------------------------------------------------

  /** A failure on its way to the callback: `code` is one of the documented error codes. */
  function failure(code, message, status) {
    const err = new Error(message);
    err.code = code;
    err.status = status || 0;
    err.isWatchwordFailure = true;
    return err;
  }

  function badResponse(what) {
    return failure('UNKNOWN_ERROR', 'The passkey server sent an unusable reply: ' + what + '.', 0);
  }

  /** Maps what `navigator.credentials.create/get` rejected with to an error code. */
  function ceremonyFailure(err) {
    const name = err && err.name;
    const detail = err && typeof err.message === 'string' && err.message ? err.message : '';
    switch (name) {
      case 'NotAllowedError':
        return failure('USER_CANCELLED', detail || 'The user cancelled, or the request timed out.');
      case 'InvalidStateError':
        return failure('INVALID_STATE', detail || 'This authenticator already holds a passkey for this account.');
      case 'SecurityError':
        return failure('SECURITY_ERROR', detail || 'The relying party ID does not match this page.');
      case 'AbortError':
        return failure('ABORTED', detail || 'The request was aborted.');
      case 'NotSupportedError':
        return failure('WEBAUTHN_UNSUPPORTED', detail || 'No authenticator supports the requested options.');
      default:
        return failure('UNKNOWN_ERROR', (name ? name + ': ' : '') + (detail || 'The passkey request failed.'));
    }
  }

  /** Why passkeys cannot run on this page, or '' when they can. */
  function unsupportedReason() {
    if (window.isSecureContext === false) {
      return 'Passkeys need a secure context: serve this page over HTTPS (or from http://localhost while developing).';
    }
    if (!window.PublicKeyCredential || !navigator.credentials
        || typeof navigator.credentials.create !== 'function'
        || typeof navigator.credentials.get !== 'function') {
      return 'This browser does not support passkeys (WebAuthn).';
    }
    return '';
  }

  // ---- base64url (RFC 4648, section 5, unpadded) ------------------------------------------

  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const DECODE = (function () {
    const table = new Int8Array(128).fill(-1);
    for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
    return table;
  })();

  function isArrayBuffer(value) {
    // Not `instanceof`: buffers from another realm (an iframe, an extension) count too.
    return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
  }

  function isBinary(value) {
    return isArrayBuffer(value) || ArrayBuffer.isView(value);
  }

  function bytesOf(value) {
    if (isArrayBuffer(value)) return new Uint8Array(value);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  function toBase64url(value) {
    const bytes = bytesOf(value);
    const parts = [];
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      parts.push(ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63]);
    }
    if (bytes.length - i === 1) {
      const n = bytes[i] << 16;
      parts.push(ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63]);
    } else if (bytes.length - i === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      parts.push(ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63]);
    }
    return parts.join('');
  }

  /** Decodes a base64url string (trailing `=` tolerated) into an ArrayBuffer. */
  function fromBase64url(text, what) {
    if (typeof text !== 'string') throw badResponse(what + ' is not a base64url string');
    const body = text.replace(/=+$/, '');
    if (body.length % 4 === 1) throw badResponse(what + ' has an impossible base64url length');
    const out = new Uint8Array((body.length * 3) >> 2);
    let acc = 0;
    let bits = 0;
    let j = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      const v = c < 128 ? DECODE[c] : -1;
      if (v < 0) throw badResponse(what + ' is not base64url');
      acc = ((acc << 6) | v) & 0xffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[j++] = (acc >> bits) & 0xff;
      }
    }
    return out.buffer;
  }

  // ---- Options JSON to WebAuthn options (WebAuthn L3, section 5.1.9 and 5.1.10) ------------

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function descriptorsFromJSON(list, what) {
    if (!Array.isArray(list)) throw badResponse(what + ' is not an array');
    return list.map(function (item, i) {
      if (!isObject(item)) throw badResponse(what + '[' + i + '] is not an object');
      return Object.assign({}, item, { id: fromBase64url(item.id, what + '[' + i + '].id') });
    });
  }

  function prfValuesFromJSON(values, what) {
    if (!isObject(values)) throw badResponse(what + ' is not an object');
    const out = { first: fromBase64url(values.first, what + '.first') };
    if (values.second !== undefined) out.second = fromBase64url(values.second, what + '.second');
    return out;
  }

  /** Decodes the binary members of the extension inputs the SDK knows; others pass as they are. */
  function extensionInputsFromJSON(ext) {
    if (!isObject(ext)) return ext;
    const out = Object.assign({}, ext);
    if (isObject(ext.prf)) {
      const prf = Object.assign({}, ext.prf);
      if (ext.prf.eval !== undefined) prf.eval = prfValuesFromJSON(ext.prf.eval, 'extensions.prf.eval');
      if (isObject(ext.prf.evalByCredential)) {
        prf.evalByCredential = {};
        Object.keys(ext.prf.evalByCredential).forEach(function (key) {
          prf.evalByCredential[key] = prfValuesFromJSON(
            ext.prf.evalByCredential[key], 'extensions.prf.evalByCredential.' + key);
        });
      }
      out.prf = prf;
    }
    if (isObject(ext.largeBlob) && ext.largeBlob.write !== undefined) {
      out.largeBlob = Object.assign({}, ext.largeBlob, {
        write: fromBase64url(ext.largeBlob.write, 'extensions.largeBlob.write'),
      });
    }
    return out;
  }

  function creationOptionsFromJSON(json) {
    if (!isObject(json.user)) throw badResponse('publicKey.user is missing');
    const out = Object.assign({}, json, {
      challenge: fromBase64url(json.challenge, 'publicKey.challenge'),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id, 'publicKey.user.id') }),
    });
    if (json.excludeCredentials == null) {
      delete out.excludeCredentials;
    } else {
      out.excludeCredentials = descriptorsFromJSON(json.excludeCredentials, 'publicKey.excludeCredentials');
    }
    if (json.extensions !== undefined) out.extensions = extensionInputsFromJSON(json.extensions);
    return out;
  }

  function requestOptionsFromJSON(json) {
    const out = Object.assign({}, json, {
      challenge: fromBase64url(json.challenge, 'publicKey.challenge'),
    });
    if (json.allowCredentials == null) {
      delete out.allowCredentials;
    } else {
      out.allowCredentials = descriptorsFromJSON(json.allowCredentials, 'publicKey.allowCredentials');
    }
    if (json.extensions !== undefined) out.extensions = extensionInputsFromJSON(json.extensions);
    return out;
  }

  /** Turns the server's options JSON into what `navigator.credentials` takes. */
  function parseOptions(ceremony, json) {
    if (!isObject(json)) throw badResponse('publicKey is missing');
    const PKC = window.PublicKeyCredential;
    const registration = ceremony === 'registration';
    const native = registration ? PKC.parseCreationOptionsFromJSON : PKC.parseRequestOptionsFromJSON;
    if (typeof native !== 'function') {
      return registration ? creationOptionsFromJSON(json) : requestOptionsFromJSON(json);
    }
    let options;
    try {
      options = native.call(PKC, json);
    } catch (err) {
      throw badResponse('the browser rejected the WebAuthn options (' + ((err && err.message) || err) + ')');
    }
    // Browsers that parse JSON options may still drop members they do not know yet.
    if (json.hints !== undefined && options.hints === undefined) options.hints = json.hints;
    return options;
  }

  // ---- Credential to JSON (WebAuthn L3, section 5.1, toJSON) -------------------------------

  /** Extension outputs with every binary value as base64url, as `toJSON` writes them. */
  function jsonValue(value) {
    if (isBinary(value)) return toBase64url(value);
    if (Array.isArray(value)) return value.map(jsonValue);
    if (value !== null && typeof value === 'object') {
      const out = {};
      Object.keys(value).forEach(function (key) {
        out[key] = jsonValue(value[key]);
      });
      return out;
    }
    return value;
  }

  function callIfPresent(target, method) {
    return typeof target[method] === 'function' ? target[method]() : undefined;
  }

  /** Builds RegistrationResponseJSON or AuthenticationResponseJSON by hand. */
  function serializeCredential(credential, ceremony) {
    const r = credential.response;
    let response;
    if (ceremony === 'registration') {
      response = { clientDataJSON: toBase64url(r.clientDataJSON) };
      const authenticatorData = callIfPresent(r, 'getAuthenticatorData');
      if (isBinary(authenticatorData)) response.authenticatorData = toBase64url(authenticatorData);
      const transports = callIfPresent(r, 'getTransports');
      response.transports = Array.isArray(transports) ? transports.slice() : [];
      const publicKey = callIfPresent(r, 'getPublicKey');
      if (isBinary(publicKey)) response.publicKey = toBase64url(publicKey);
      const algorithm = callIfPresent(r, 'getPublicKeyAlgorithm');
      if (typeof algorithm === 'number') response.publicKeyAlgorithm = algorithm;
      response.attestationObject = toBase64url(r.attestationObject);
    } else {
      response = {
        clientDataJSON: toBase64url(r.clientDataJSON),
        authenticatorData: toBase64url(r.authenticatorData),
        signature: toBase64url(r.signature),
        userHandle: isBinary(r.userHandle) ? toBase64url(r.userHandle) : null,
      };
    }
    const out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      response,
    };
    if (typeof credential.authenticatorAttachment === 'string') {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    out.clientExtensionResults = jsonValue(callIfPresent(credential, 'getClientExtensionResults') || {});
    out.type = credential.type;
    return out;
  }

  function credentialToJSON(credential, ceremony) {
    if (typeof credential.toJSON === 'function') {
      // Credentials built by a password manager's extension may carry a broken toJSON.
      try {
        const json = credential.toJSON();
        if (isObject(json) && typeof json.id === 'string' && isObject(json.response)) return json;
      } catch (err) {
        // fall through to the hand-built form
      }
    }
    return serializeCredential(credential, ceremony);
  }

  // ---- The passkey server ----------------------------------------------------------------

  function serverFailure(status, data) {
    const inner = isObject(data) && isObject(data.error) ? data.error : {};
    let code = inner.code;
    if (typeof code !== 'string' || !code) code = isObject(data) ? data.errorCode : undefined;
    if (typeof code === 'number') code = String(code);
    if (typeof code !== 'string' || !code) code = 'UNKNOWN_ERROR';
    const message = [inner.message, data && data.description, data && data.message].filter(function (m) {
      return typeof m === 'string' && m;
    })[0] || 'The passkey server answered HTTP ' + status + '.';
    const err = failure(code, message, status);
    // Which WebAuthn check refused the response (`verification_failed`).
    const reason = inner.reason || (isObject(data) ? data.reason : undefined);
    if (typeof reason === 'string' && reason) err.reason = reason;
    return err;
  }

  async function requestJson(method, url, body, signal) {
    const headers = { Accept: 'application/json' };
    if (SERVER.appId) headers['X-OTPless-AppId'] = SERVER.appId;
    const init = { method, mode: 'cors', credentials: 'omit', cache: 'no-store', headers };
    if (signal) init.signal = signal;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      // A CORS refusal looks the same as a network failure from here.
      throw failure('NETWORK_ERROR', 'Could not reach the passkey server at ' + SERVER.base
        + ' (offline, or the server does not allow this origin).');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      data = null;
    }
    if (!res.ok) throw serverFailure(res.status, data);
    if (!isObject(data)) throw badResponse('the body is not a JSON object');
    return data;
  }

  function endpoint(requestId) {
    return SERVER.base + API_PATH + encodeURIComponent(requestId);
  }

  // ---- One WebAuthn request at a time ------------------------------------------------------

  // The browser runs one WebAuthn request per page, so the SDK does too: a new `initiate`, from
  // any instance, aborts the request still waiting (typically a conditional one) and waits for
  // it to let go. A request stops being abortable once the browser returned a credential: the
  // user has already approved it, and dropping the POST would throw away a good sign-in.
  let current = null;

  function begin(owner) {
    const previous = current;
    const ticket = { owner, controller: new AbortController(), reason: '', release: null, released: null };
    ticket.released = new Promise(function (resolve) {
      ticket.release = resolve;
    });
    let ready = Promise.resolve();
    if (previous) {
      cancel(previous, 'Superseded by a later initiate.');
      ready = Promise.race([previous.released, new Promise(function (resolve) {
        setTimeout(resolve, RELEASE_WAIT_MS);
      })]);
    }
    current = ticket;
    ticket.ready = ready;
    return ticket;
  }

  function cancel(ticket, reason) {
    if (!ticket.reason) ticket.reason = reason;
    ticket.controller.abort();
  }

  function finish(ticket) {
    if (current === ticket) current = null;
    ticket.release();
  }

  function throwIfAborted(ticket) {
    if (ticket.controller.signal.aborted) throw failure('ABORTED', ticket.reason);
  }

  async function conditionalAvailable() {
    const PKC = window.PublicKeyCredential;
    try {
      if (typeof PKC.isConditionalMediationAvailable === 'function') {
        return (await PKC.isConditionalMediationAvailable()) === true;
      }
    } catch (err) {
      return false;
    }
    return false;
  }

  // ---- initiate ----------------------------------------------------------------------------

  /** Checks the arguments of `initiate`; returns {requestId, conditional} or a failure. */
  function readArgs(args) {
    if (!isObject(args) || args.requestType !== 'initiate') {
      return { error: 'requestType must be "initiate".' };
    }
    const request = args.request;
    if (!isObject(request)) return { error: 'request must be an object.' };
    const requestId = typeof request.requestId === 'string' ? request.requestId : null;
    if (request.channel !== 'WEB_AUTHN') return { requestId, error: 'request.channel must be "WEB_AUTHN".' };
    if (!requestId) return { requestId, error: 'request.requestId must be a non-empty string.' };
    const mediation = request.mediation;
    if (mediation !== undefined && mediation !== 'optional' && mediation !== 'conditional') {
      return { requestId, error: 'request.mediation must be "conditional" or "optional" when given.' };
    }
    return { requestId, conditional: mediation === 'conditional' };
  }

  async function ceremony(ticket, requestId, conditional) {
    await ticket.ready;
    throwIfAborted(ticket);
    if (conditional && !(await conditionalAvailable())) {
      throw failure('CONDITIONAL_UNAVAILABLE', 'This browser cannot offer passkeys in autofill.');
    }
    throwIfAborted(ticket);
    const signal = ticket.controller.signal;
    const url = endpoint(requestId) + (conditional ? '?mediation=conditional' : '');
    const data = await requestJson('GET', url, undefined, signal);
    const kind = data.ceremony;
    if (kind !== 'registration' && kind !== 'authentication') {
      throw badResponse('ceremony is neither "registration" nor "authentication"');
    }
    if (conditional && kind !== 'authentication') {
      throw failure('INVALID_REQUEST', 'Conditional mediation signs in with an existing passkey; request ' + requestId + ' registers a new one.');
    }
    if (kind === 'authentication' && !conditional && isObject(data.payment)) {
      return { kind, credential: await confirmPayment(data.payment) };
    }
    const publicKey = parseOptions(kind, data.publicKey);
    throwIfAborted(ticket);
    let credential;
    try {
      if (kind === 'registration') {
        credential = await navigator.credentials.create({ publicKey, signal });
      } else if (conditional) {
        credential = await navigator.credentials.get({ mediation: 'conditional', publicKey, signal });
      } else {
        credential = await navigator.credentials.get({ publicKey, signal });
      }
    } catch (err) {
      throw ceremonyFailure(err);
    }
    if (!credential || !credential.response) throw failure('USER_CANCELLED', 'No passkey was chosen.');
    return { kind, credential };
  }

  /**
   * Secure Payment Confirmation: the browser shows the payment (amount, payee, instrument)
   * and the user confirms it with their payment passkey. Needs a user gesture, like a click.
   */
  async function confirmPayment(payment) {
    if (typeof window.PaymentRequest !== 'function') {
      throw failure('SPC_UNSUPPORTED', 'This browser cannot confirm payments with a passkey (Secure Payment Confirmation).');
    }
    const total = isObject(payment.total) ? payment.total : {};
    const data = {
      credentialIds: (Array.isArray(payment.credentialIds) ? payment.credentialIds : []).map(function (id, i) {
        return fromBase64url(id, 'payment.credentialIds[' + i + ']');
      }),
      challenge: fromBase64url(payment.challenge, 'payment.challenge'),
      rpId: payment.rpId,
      payeeOrigin: payment.payeeOrigin,
      instrument: payment.instrument,
      timeout: payment.timeout,
    };
    let response;
    try {
      const request = new window.PaymentRequest(
        [{ supportedMethods: 'secure-payment-confirmation', data }],
        { total: { label: 'Total', amount: { currency: total.currency, value: total.value } } }
      );
      if (typeof request.canMakePayment === 'function' && !(await request.canMakePayment())) {
        throw failure('SPC_UNSUPPORTED', 'This browser cannot confirm payments with a passkey here.');
      }
      response = await request.show();
      await response.complete('success');
    } catch (err) {
      if (err && err.isWatchwordFailure) throw err;
      throw ceremonyFailure(err);
    }
    if (!response || !response.details) throw failure('USER_CANCELLED', 'The payment was not confirmed.');
    return response.details;
  }

  async function run(ticket, requestId, conditional) {
    let outcome;
    try {
      outcome = await ceremony(ticket, requestId, conditional);
    } catch (err) {
      if (ticket.controller.signal.aborted) throw failure('ABORTED', ticket.reason || 'The request was aborted.');
      throw err;
    } finally {
      finish(ticket);
    }
    const body = credentialToJSON(outcome.credential, outcome.kind);
    const data = await requestJson('POST', endpoint(requestId), body);
    if (typeof data.token !== 'string' || !data.token) throw badResponse('token is missing');
    return signedIn(requestId, data);
  }

  function signedIn(requestId, data) {
    const identities = [];
    if (typeof data.identityType === 'string') {
      identities.push({
        identityType: data.identityType,
        identityValue: data.identityValue,
        channel: 'WEBAUTHN',
        type: data.type,
      });
    }
    return {
      responseType: 'ONETAP',
      statusCode: 200,
      token: data.token,
      response: { token: data.token, userId: data.userId, type: data.type, identities, requestId },
    };
  }

  function failed(err, requestId) {
    const known = err && err.isWatchwordFailure;
    return {
      responseType: 'FAILED',
      statusCode: known ? err.status : 0,
      response: Object.assign(
        {
          errorCode: known ? err.code : 'UNKNOWN_ERROR',
          errorMessage: known ? err.message : String((err && err.message) || err),
          requestId: requestId || null,
        },
        known && err.reason ? { reason: err.reason } : {}
      ),
    };
  }

  function deliver(callback, result) {
    if (typeof callback !== 'function') return;
    try {
      const returned = callback(result);
      if (returned && typeof returned.then === 'function') {
        returned.then(undefined, function (err) {
          console.error(LOG_PREFIX, 'the OTPless callback failed:', err);
        });
      }
    } catch (err) {
      console.error(LOG_PREFIX, 'the OTPless callback threw:', err);
    }
  }

  // ---- The public class ----------------------------------------------------------------------

  const callbacks = new WeakMap();

  class OTPless {
    /** `callback(userinfo)` receives the result of every `initiate`, once each. */
    constructor(callback) {
      if (typeof callback !== 'function') {
        console.warn(LOG_PREFIX, 'new OTPless(callback) needs a function; results only reach the promise of initiate().');
      }
      callbacks.set(this, callback);
    }

    /** Runs one passkey sign-in or registration; resolves to what the callback received. */
    async initiate(args) {
      const callback = callbacks.get(this);
      let requestId = null;
      let result;
      try {
        const parsed = readArgs(args);
        requestId = parsed.requestId;
        const unsupported = parsed.error ? '' : unsupportedReason();
        if (parsed.error) {
          result = failed(failure('INVALID_REQUEST', parsed.error), requestId);
        } else if (unsupported) {
          result = failed(failure('WEBAUTHN_UNSUPPORTED', unsupported), requestId);
        } else {
          result = await run(begin(this), requestId, parsed.conditional);
        }
      } catch (err) {
        result = failed(err, requestId);
      }
      deliver(callback, result);
      return result;
    }

    /** Aborts this instance's pending request, if any; its callback then gets ABORTED. */
    abort() {
      if (!current || current.owner !== this) return false;
      cancel(current, 'Aborted by the page.');
      return true;
    }

    static get version() {
      return VERSION;
    }
  }

  window.OTPless = OTPless;
})();
