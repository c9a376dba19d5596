/*
 * Watchword captcha: the browser widget.
 *
 *   <script src="https://captcha.example/assets/ocapi.js" async defer></script>
 *   <div class="ocapi" data-sitekey="site_abc" data-callback="onCaptchaOk"></div>
 *
 * Renders every `div.ocapi` on DOMContentLoaded (unless loaded with `?render=explicit`) and
 * exposes `window.ocapi` = {render, reset, getResponse, remove}. Written for a strict CSP: no
 * eval, no inline styles or handlers, no innerHTML; styles come from ocapi.css.
 */
(function () {
  'use strict';

  if (window.ocapi && typeof window.ocapi.render === 'function') return;

  const VERSION = '1';
  const DEFAULT_FIELD = 'ocapi-response';
  const KINDS = ['transcription', 'proof_of_work'];
  // Answer errors that mean "this challenge is gone": fetch a new one without complaint.
  const STALE_CODES = ['challenge_expired', 'challenge_not_found', 'challenge_not_pending'];
  const STATES = ['loading', 'pending', 'sending', 'checking', 'valid', 'error'];
  const OPTION_NAMES = [
    'sitekey', 'kind', 'lang', 'callback', 'errorCallback', 'expiredCallback',
    'field', 'action', 'cdata', 'worker', 'server',
  ];
  const MAX_TIMEOUT_MS = 2147483647;
  // A deadline closer than this when it arrives means the clocks disagree; the server's own
  // "expired" answer then drives the refresh instead of a timer that would fire at once.
  const MIN_LIFETIME_MS = 1000;
  // More automatic refreshes than this within the window means something loops: stop and
  // show an error with a "Try again" button.
  const MAX_AUTO_REFRESHES = 3;
  const AUTO_REFRESH_WINDOW_MS = 30000;
  // A worker that says nothing for this long is taken as broken.
  const WORKER_SILENCE_MS = 10000;
  const MAX_POW_REJECTIONS = 3;
  // Main-thread fallback: hash in chunks for at most this long before yielding.
  const POW_CHUNK = 2000;
  const POW_SLICE_MS = 8;

  const STRINGS = {
    en: {
      group: 'Human verification',
      loading: 'Loading a challenge…',
      prompt2: 'Enter the two words shown in the images.',
      promptEach: 'Enter the word shown in each image.',
      word: 'Word {i}',
      imageAlt: 'Word {i} of {n}',
      verify: 'Verify',
      reload: 'New challenge',
      retry: 'Try again',
      checking: 'Checking your browser…',
      sending: 'Checking your answer…',
      empty: 'Please type every word.',
      wrong: 'Wrong answer. Here is a new challenge.',
      verified: 'Verified.',
      expired: 'The challenge expired. Here is a new one.',
      validExpired: 'Your verification expired. Please solve a new challenge.',
      network: 'Network error. Check your connection and try again.',
      rateLimited: 'Too many attempts. Please wait a moment, then try again.',
      powFailed: 'Your browser could not finish the check. Please try again.',
      failed: 'Something went wrong ({code}). Please try again.',
    },
    fr: {
      group: 'Vérification humaine',
      loading: 'Chargement du test…',
      prompt2: 'Saisissez les deux mots affichés dans les images.',
      promptEach: 'Saisissez le mot affiché dans chaque image.',
      word: 'Mot {i}',
      imageAlt: 'Mot {i} sur {n}',
      verify: 'Valider',
      reload: 'Nouveau test',
      retry: 'Réessayer',
      checking: 'Vérification…',
      sending: 'Vérification de votre réponse…',
      empty: 'Veuillez saisir chaque mot.',
      wrong: 'Réponse incorrecte. Voici un nouveau test.',
      verified: 'Vérifié.',
      expired: 'Le test a expiré. En voici un nouveau.',
      validExpired: 'Votre vérification a expiré. Veuillez résoudre un nouveau test.',
      network: 'Erreur réseau. Vérifiez votre connexion puis réessayez.',
      rateLimited: 'Trop de tentatives. Patientez un instant, puis réessayez.',
      powFailed: 'Votre navigateur n’a pas pu terminer la vérification. Veuillez réessayer.',
      failed: 'Une erreur est survenue ({code}). Veuillez réessayer.',
    },
  };

  // ---- Where the captcha server is -------------------------------------------------------

  const ownScript = document.currentScript || findOwnScript();
  const SCRIPT = locateServer(ownScript && ownScript.src);
  const NONCE = (ownScript && ownScript.nonce) || '';

  function findOwnScript() {
    const scripts = document.getElementsByTagName('script');
    for (let i = scripts.length - 1; i >= 0; i--) {
      if (/\/ocapi\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  /**
   * Finds the server base in the script URL: `<base>/assets/ocapi.js` or
   * `<base>/assets/<version>/ocapi.js`. The CSS and the worker are always taken from the
   * unversioned `<base>/assets/`: each asset's version is the hash of its own content, so a
   * versioned script has no siblings in its folder.
   */
  function locateServer(src) {
    let url = null;
    try {
      if (src) url = new URL(src, document.baseURI);
    } catch (err) {
      url = null;
    }
    if (!url) {
      return { base: location.origin, assets: location.origin + '/assets/', explicit: false, onload: '' };
    }
    const match = /^(.*)\/assets\/(?:[^/]+\/)?[^/]*$/.exec(url.pathname);
    const base = url.origin + (match ? match[1] : '');
    return {
      base,
      assets: base + '/assets/',
      explicit: url.searchParams.get('render') === 'explicit',
      onload: url.searchParams.get('onload') || '',
    };
  }

  function serverFor(opts) {
    if (!opts.server) return { base: SCRIPT.base, assets: SCRIPT.assets };
    const base = new URL(String(opts.server), document.baseURI).href.replace(/\/+$/, '');
    return { base, assets: base + '/assets/' };
  }

  function ensureStylesheet(href) {
    if (document.querySelector('link[data-ocapi-css]')) return;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.setAttribute('data-ocapi-css', '');
    if (NONCE) link.nonce = NONCE;
    (document.head || document.documentElement).appendChild(link);
  }

  // ---- Small helpers -----------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(template, vars) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : whole;
    });
  }

  function pickLang(lang) {
    const code = String(lang || document.documentElement.lang || '').toLowerCase();
    return code.slice(0, 2) === 'fr' ? 'fr' : 'en';
  }

  function apiError(code, status) {
    const err = new Error(code);
    err.code = code;
    err.status = status || 0;
    return err;
  }

  /** Resolves a global function name such as "onOk" or "app.onOk" on window, without eval. */
  function resolveCallback(value) {
    if (typeof value === 'function') return { fn: value, self: window };
    if (typeof value !== 'string' || !value) return null;
    let owner = window;
    let target = window;
    for (const key of value.split('.')) {
      if (key === '__proto__' || key === 'prototype' || key === 'constructor') return null;
      if (target === null || target === undefined) return null;
      owner = target;
      target = target[key];
    }
    return typeof target === 'function' ? { fn: target, self: owner } : null;
  }

  /**
   * Calls `fn` when the Unix time `seconds` has passed. Returns a handle for clearTimer, or
   * null when the time is missing or already (nearly) past.
   */
  function atUnixTime(seconds, fn) {
    if (typeof seconds !== 'number' || !isFinite(seconds)) return null;
    if (seconds * 1000 - Date.now() < MIN_LIFETIME_MS) return null;
    const handle = { id: 0 };
    const arm = function () {
      const delay = seconds * 1000 - Date.now();
      if (delay <= 0) {
        fn();
      } else {
        handle.id = setTimeout(arm, Math.min(delay, MAX_TIMEOUT_MS));
      }
    };
    arm();
    return handle;
  }

  function clearTimer(handle) {
    if (handle) clearTimeout(handle.id);
  }

  async function requestJson(method, url, body) {
    const init = {
      method,
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      throw apiError('network_error', 0);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      data = null;
    }
    if (!res.ok) {
      const code = data && data.error && typeof data.error.code === 'string'
        ? data.error.code
        : 'http_' + res.status;
      throw apiError(code, res.status);
    }
    if (!data || typeof data !== 'object') throw apiError('bad_response', res.status);
    return data;
  }

  // ---- Proof of work -------------------------------------------------------------------------

  const powScripts = {};

  /** Loads ocapi-worker.js as a classic script, which defines window.ocapiPow. */
  function loadPowScript(assets) {
    if (window.ocapiPow && typeof window.ocapiPow.createSolver === 'function') {
      return Promise.resolve(window.ocapiPow);
    }
    const src = assets + 'ocapi-worker.js';
    if (!powScripts[src]) {
      powScripts[src] = new Promise(function (resolve, reject) {
        const script = document.createElement('script');
        script.src = src;
        script.async = true;
        if (NONCE) script.nonce = NONCE;
        script.addEventListener('load', function () {
          if (window.ocapiPow && typeof window.ocapiPow.createSolver === 'function') {
            resolve(window.ocapiPow);
          } else {
            delete powScripts[src];
            reject(apiError('pow_unavailable'));
          }
        });
        script.addEventListener('error', function () {
          delete powScripts[src];
          reject(apiError('pow_unavailable'));
        });
        (document.head || document.documentElement).appendChild(script);
      });
    }
    return powScripts[src];
  }

  /** Solves on the main thread, yielding to the page every few milliseconds. */
  function solveInSlices(pow, token, difficulty, isCancelled) {
    return new Promise(function (resolve, reject) {
      let solver;
      try {
        solver = pow.createSolver(token, difficulty);
      } catch (err) {
        reject(apiError('pow_bad_token'));
        return;
      }
      const limit = pow.maxTries(difficulty);
      let next = 0;
      const slice = function () {
        if (isCancelled()) return;
        const until = Date.now() + POW_SLICE_MS;
        do {
          const count = Math.min(POW_CHUNK, limit - next);
          const found = solver.search(next, count);
          if (found >= 0) {
            resolve(found);
            return;
          }
          next += count;
          if (next >= limit) {
            reject(apiError('pow_not_found'));
            return;
          }
        } while (Date.now() < until);
        setTimeout(slice, 0);
      };
      setTimeout(slice, 0);
    });
  }

  /**
   * Starts solving in a Worker, or on the main thread when a worker cannot run (cross-origin
   * URL, CSP, load error, silence). Returns {promise, cancel}.
   */
  function startPow(workerUrl, assets, token, difficulty) {
    let cancelled = false;
    let worker = null;
    let watchdog = 0;
    let fellBack = false;

    const stopWorker = function () {
      clearTimeout(watchdog);
      if (worker) {
        worker.terminate();
        worker = null;
      }
    };

    const promise = new Promise(function (resolve, reject) {
      const fallback = function () {
        stopWorker();
        if (cancelled || fellBack) return;
        fellBack = true;
        loadPowScript(assets).then(function (pow) {
          if (cancelled) return;
          solveInSlices(pow, token, difficulty, function () { return cancelled; }).then(resolve, reject);
        }, reject);
      };

      let sameOrigin = false;
      try {
        sameOrigin = new URL(workerUrl, document.baseURI).origin === location.origin;
      } catch (err) {
        sameOrigin = false;
      }
      if (!sameOrigin || typeof Worker !== 'function') {
        fallback();
        return;
      }
      try {
        worker = new Worker(workerUrl);
      } catch (err) {
        fallback();
        return;
      }
      const arm = function () {
        clearTimeout(watchdog);
        watchdog = setTimeout(fallback, WORKER_SILENCE_MS);
      };
      worker.addEventListener('message', function (event) {
        const data = event.data || {};
        if (typeof data.solution === 'number') {
          stopWorker();
          resolve(data.solution);
        } else if (data.error) {
          stopWorker();
          reject(apiError(data.error === 'not_found' ? 'pow_not_found' : 'pow_bad_token'));
        } else {
          arm();
        }
      });
      worker.addEventListener('error', function (event) {
        event.preventDefault();
        fallback();
      });
      arm();
      worker.postMessage({ token, difficulty });
    });

    return {
      promise,
      cancel() {
        cancelled = true;
        stopWorker();
      },
    };
  }

  // ---- The widget ----------------------------------------------------------------------------

  class Widget {
    constructor(id, host, opts) {
      this.id = id;
      this.host = host;
      this.opts = opts;
      const server = serverFor(opts);
      this.base = server.base;
      this.assets = server.assets;
      this.lang = pickLang(opts.lang);
      this.t = STRINGS[this.lang];
      this.kind = KINDS.indexOf(opts.kind) >= 0 ? opts.kind : '';
      // Bumped whenever the current challenge is dropped; async results from an older
      // generation are ignored.
      this.gen = 0;
      this.state = '';
      this.challenge = null;
      this.busy = false;
      this.timer = null;
      this.pow = null;
      this.powRejections = 0;
      this.autoRefreshes = [];
      this.words = [];
      this.build();
    }

    build() {
      const t = this.t;
      const prefix = 'ocapi-' + this.id;
      this.root = el('div', 'ocapi-widget');
      this.root.lang = this.lang;
      // Focusable from script only: where focus goes when what it was on disappears.
      this.root.tabIndex = -1;
      this.root.setAttribute('role', 'group');
      this.root.setAttribute('aria-label', t.group);

      this.body = el('div', 'ocapi-body');
      this.body.hidden = true;

      this.actions = el('div', 'ocapi-actions');
      this.verifyButton = el('button', 'ocapi-button ocapi-verify', t.verify);
      this.verifyButton.type = 'button';
      this.verifyButton.addEventListener('click', () => this.submit());
      this.reloadButton = el('button', 'ocapi-button ocapi-reload', t.reload);
      this.reloadButton.type = 'button';
      this.reloadButton.addEventListener('click', () => this.restart());
      this.actions.appendChild(this.verifyButton);
      this.actions.appendChild(this.reloadButton);

      this.status = el('p', 'ocapi-status');
      this.status.id = prefix + '-status';
      this.status.setAttribute('role', 'status');
      this.status.setAttribute('aria-live', 'polite');

      this.field = document.createElement('input');
      this.field.type = 'hidden';
      this.field.name = this.opts.field || DEFAULT_FIELD;
      this.field.value = '';

      this.root.appendChild(this.body);
      this.root.appendChild(this.actions);
      this.root.appendChild(this.status);
      this.root.appendChild(this.field);
      this.host.appendChild(this.root);
    }

    start() {
      if (!this.opts.sitekey) {
        this.fail(apiError('missing_sitekey'));
        return;
      }
      this.load('initial');
    }

    // -- state and display

    setState(state) {
      const active = document.activeElement;
      const hadFocus = !!active && this.root.contains(active);
      this.state = state;
      for (const name of STATES) this.root.classList.toggle('ocapi-' + name, name === state);
      this.root.classList.toggle('ocapi-transcription', this.kind === 'transcription');
      this.root.classList.toggle('ocapi-pow', this.kind === 'proof_of_work');
      if (state !== 'pending' && state !== 'sending') this.root.classList.remove('ocapi-wrong');

      const hasWords = this.kind === 'transcription' && this.words.length > 0;
      this.body.hidden = !hasWords || state === 'error';
      this.verifyButton.hidden = !hasWords || state === 'error';
      this.verifyButton.setAttribute('aria-disabled', String(state !== 'pending'));
      this.reloadButton.hidden = state === 'valid' || (state !== 'error' && !hasWords);
      this.reloadButton.textContent = state === 'error' ? this.t.retry : this.t.reload;
      this.actions.hidden = this.verifyButton.hidden && this.reloadButton.hidden;
      for (const word of this.words) word.input.readOnly = state !== 'pending';

      // Keep keyboard users inside the widget when what they were on disappears.
      if (hadFocus && (!this.root.contains(active) || active.closest('[hidden]'))) {
        if (state === 'pending' && this.words.length) {
          this.words[0].input.focus();
        } else if (!this.reloadButton.hidden) {
          this.reloadButton.focus();
        } else {
          this.root.focus();
        }
      }
    }

    announce(text) {
      const status = this.status;
      if (status.textContent === text) {
        // Screen readers skip an unchanged live region: clear it, then say it again.
        status.textContent = '';
        setTimeout(function () {
          if (status.textContent === '') status.textContent = text;
        }, 100);
      } else {
        status.textContent = text;
      }
    }

    renderWords(images) {
      const n = images.length;
      // Inputs are reused when the count matches, so focus survives a refresh.
      if (this.words.length !== n) {
        while (this.body.firstChild) this.body.removeChild(this.body.firstChild);
        this.words = [];
        for (let i = 0; i < n; i++) this.words.push(this.buildWord(i, n));
      }
      for (let i = 0; i < n; i++) {
        const word = this.words[i];
        word.image.src = this.url(images[i]);
        word.input.value = '';
        word.input.removeAttribute('aria-invalid');
      }
    }

    buildWord(i, n) {
      const t = this.t;
      const inputId = 'ocapi-' + this.id + '-word-' + (i + 1);
      const box = el('div', 'ocapi-word');
      const image = el('img', 'ocapi-image');
      image.alt = fmt(t.imageAlt, { i: i + 1, n });
      image.decoding = 'async';
      image.addEventListener('error', () => {
        if (this.state === 'pending' && image.getAttribute('src')) this.fail(apiError('image_failed'));
      });
      const label = el('label', 'ocapi-label', fmt(t.word, { i: i + 1 }));
      label.htmlFor = inputId;
      const input = el('input', 'ocapi-input');
      input.type = 'text';
      input.id = inputId;
      input.autocomplete = 'off';
      input.spellcheck = false;
      // 64 characters stay within the server's 256-byte limit in any script.
      input.maxLength = 64;
      input.setAttribute('autocapitalize', 'off');
      input.setAttribute('autocorrect', 'off');
      input.setAttribute('aria-describedby', this.status.id);
      input.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' || event.isComposing) return;
        // Enter answers the captcha; it must not submit the page's form.
        event.preventDefault();
        this.submit();
      });
      input.addEventListener('input', function () {
        input.removeAttribute('aria-invalid');
      });
      box.appendChild(image);
      box.appendChild(label);
      box.appendChild(input);
      this.body.appendChild(box);
      return { box, image, input };
    }

    url(path) {
      const text = String(path);
      if (/^https?:\/\//i.test(text)) return text;
      return this.base + (text.charAt(0) === '/' ? '' : '/') + text;
    }

    siteUrl() {
      return this.base + '/v1/sites/' + encodeURIComponent(this.opts.sitekey);
    }

    // -- the challenge cycle

    /** Drops the current challenge: stops any solving and timers, ignores late results. */
    drop() {
      this.gen++;
      this.busy = false;
      this.challenge = null;
      clearTimer(this.timer);
      this.timer = null;
      if (this.pow) {
        this.pow.cancel();
        this.pow = null;
      }
    }

    clearResponse() {
      this.field.value = '';
    }

    /** A fresh start on the user's or the page's request. */
    restart() {
      this.drop();
      this.clearResponse();
      this.autoRefreshes = [];
      this.powRejections = 0;
      if (!this.opts.sitekey) {
        this.fail(apiError('missing_sitekey'));
        return;
      }
      this.load('initial');
    }

    /** A refresh the widget decides on by itself (expiry); guarded against loops. */
    refresh(reason) {
      const now = Date.now();
      this.autoRefreshes = this.autoRefreshes.filter(function (at) {
        return now - at < AUTO_REFRESH_WINDOW_MS;
      });
      this.autoRefreshes.push(now);
      if (this.autoRefreshes.length > MAX_AUTO_REFRESHES) {
        this.fail(apiError('challenge_expired'));
        return;
      }
      this.drop();
      // The new challenge announces the expiry when it arrives (see show). A hidden tab
      // waits until it is visible: no point fetching images nobody looks at.
      const gen = this.gen;
      const go = () => {
        if (document.hidden) return;
        document.removeEventListener('visibilitychange', go);
        if (gen === this.gen) this.load(reason);
      };
      if (document.hidden) {
        document.addEventListener('visibilitychange', go);
      } else {
        go();
      }
    }

    async load(reason) {
      this.drop();
      const gen = this.gen;
      this.setState('loading');
      if (reason === 'initial') this.announce(this.t.loading);
      const query = new URLSearchParams();
      if (this.opts.kind) query.set('kind', this.opts.kind);
      if (this.opts.action) query.set('action', this.opts.action);
      if (this.opts.cdata) query.set('cdata', this.opts.cdata);
      const qs = query.toString();
      let challenge;
      try {
        challenge = await requestJson('GET', this.siteUrl() + '/challenge' + (qs ? '?' + qs : ''));
      } catch (err) {
        if (gen === this.gen) this.fail(err);
        return;
      }
      if (gen === this.gen) this.show(challenge, reason);
    }

    /** Displays a challenge object (from create, or `next` after a wrong answer). */
    show(challenge, reason) {
      const t = this.t;
      if (!challenge || typeof challenge.id !== 'string' || KINDS.indexOf(challenge.kind) < 0) {
        this.fail(apiError(challenge && challenge.kind ? 'unsupported_kind' : 'bad_response'));
        return;
      }
      this.kind = challenge.kind;
      this.challenge = challenge;
      const gen = this.gen;
      this.timer = atUnixTime(challenge.expires_at, () => {
        if (gen === this.gen && this.state !== 'sending') this.refresh('expired');
      });

      if (challenge.kind === 'proof_of_work') {
        const pow = challenge.pow;
        if (!pow || typeof pow.token !== 'string' || !Number.isInteger(pow.difficulty)
          || pow.difficulty < 0 || pow.difficulty > 32) {
          this.fail(apiError('bad_response'));
          return;
        }
        this.setState('checking');
        this.announce(t.checking);
        this.solve(pow);
        return;
      }

      const images = challenge.images;
      if (!Array.isArray(images) || !images.length || !images.every((p) => typeof p === 'string')) {
        this.fail(apiError('bad_response'));
        return;
      }
      this.renderWords(images);
      this.setState('pending');
      if (reason === 'wrong') {
        this.root.classList.add('ocapi-wrong');
        for (const word of this.words) word.input.setAttribute('aria-invalid', 'true');
        this.announce(t.wrong);
        this.words[0].input.focus();
      } else if (reason === 'expired' || reason === 'validExpired') {
        this.announce(reason === 'expired' ? t.expired : t.validExpired);
      } else {
        this.announce(images.length === 2 ? t.prompt2 : t.promptEach);
      }
    }

    solve(pow) {
      const gen = this.gen;
      const workerUrl = this.opts.worker
        ? new URL(String(this.opts.worker), document.baseURI).href
        : this.assets + 'ocapi-worker.js';
      this.pow = startPow(workerUrl, this.assets, pow.token, pow.difficulty);
      this.pow.promise.then((solution) => {
        if (gen !== this.gen) return;
        this.pow = null;
        this.answer({ solution });
      }, (err) => {
        if (gen !== this.gen) return;
        this.pow = null;
        this.fail(err);
      });
    }

    submit() {
      if (this.busy || this.state !== 'pending' || !this.challenge
        || this.challenge.kind !== 'transcription') return;
      const answers = this.words.map((word) => word.input.value.trim());
      const empty = this.words.filter((word, i) => answers[i] === '');
      if (empty.length) {
        for (const word of empty) word.input.setAttribute('aria-invalid', 'true');
        this.announce(this.t.empty);
        empty[0].input.focus();
        return;
      }
      this.autoRefreshes = [];
      this.answer({ answers });
    }

    async answer(body) {
      const challenge = this.challenge;
      const gen = this.gen;
      this.busy = true;
      if (challenge.kind === 'transcription') {
        this.setState('sending');
        this.announce(this.t.sending);
      }
      let result;
      try {
        result = await requestJson(
          'POST',
          this.siteUrl() + '/challenges/' + encodeURIComponent(challenge.id),
          body,
        );
      } catch (err) {
        if (gen !== this.gen) return;
        this.busy = false;
        if (STALE_CODES.indexOf(err.code) >= 0) {
          this.refresh('expired');
        } else {
          this.fail(err);
        }
        return;
      }
      if (gen !== this.gen) return;
      this.busy = false;
      if (result.state === 'valid') {
        this.verified(String(result.id || challenge.id), result.valid_until);
      } else if (result.state === 'invalid' && result.next) {
        this.drop();
        if (challenge.kind === 'proof_of_work') {
          // A rejected solution means the solver and server disagree; do not spin forever.
          this.powRejections++;
          if (this.powRejections > MAX_POW_REJECTIONS) {
            this.fail(apiError('pow_rejected'));
            return;
          }
        }
        this.show(result.next, 'wrong');
      } else {
        this.fail(apiError('bad_response'));
      }
    }

    verified(id, validUntil) {
      this.drop();
      this.powRejections = 0;
      this.autoRefreshes = [];
      this.field.value = id;
      this.setState('valid');
      this.announce(this.t.verified);
      const gen = this.gen;
      this.timer = atUnixTime(validUntil, () => {
        if (gen !== this.gen) return;
        this.clearResponse();
        this.call('expiredCallback');
        this.refresh('validExpired');
      });
      this.call('callback', id);
    }

    fail(err) {
      const t = this.t;
      const code = err && err.code ? err.code : 'unknown_error';
      const status = err && err.status ? err.status : 0;
      this.drop();
      this.clearResponse();
      this.setState('error');
      if (code === 'network_error' || code === 'image_failed') {
        this.announce(t.network);
      } else if (status === 429 || code === 'rate_limited') {
        this.announce(t.rateLimited);
      } else if (code.indexOf('pow_') === 0) {
        this.announce(t.powFailed);
      } else {
        this.announce(fmt(t.failed, { code }));
      }
      this.call('errorCallback', code);
    }

    call(name, arg) {
      const target = resolveCallback(this.opts[name]);
      if (!target) return;
      try {
        if (arguments.length > 1) {
          target.fn.call(target.self, arg);
        } else {
          target.fn.call(target.self);
        }
      } catch (err) {
        // The page's bug: report it without breaking the widget.
        setTimeout(function () { throw err; }, 0);
      }
    }

    destroy() {
      this.drop();
      this.state = 'removed';
      if (this.root.parentNode) this.root.parentNode.removeChild(this.root);
    }
  }

  // ---- Public API ------------------------------------------------------------------------

  const widgets = new Map();
  const widgetOfHost = new WeakMap();
  let nextId = 1;

  function readOptions(host, options) {
    const opts = {};
    for (const name of OPTION_NAMES) {
      const value = options[name] !== undefined ? options[name] : host.dataset[name];
      opts[name] = value === undefined || value === null ? '' : value;
    }
    for (const name of ['sitekey', 'kind', 'lang', 'field', 'action', 'cdata', 'worker', 'server']) {
      opts[name] = String(opts[name]);
    }
    return opts;
  }

  function render(target, options) {
    const host = typeof target === 'string' ? document.querySelector(target) : target;
    if (!host || host.nodeType !== 1) throw new Error('ocapi.render: no element for ' + String(target));
    const existing = widgetOfHost.get(host);
    if (existing !== undefined && widgets.has(existing)) return existing;
    const opts = readOptions(host, options || {});
    const widget = new Widget(nextId++, host, opts);
    ensureStylesheet(widget.assets + 'ocapi.css');
    widgets.set(widget.id, widget);
    widgetOfHost.set(host, widget.id);
    widget.start();
    return widget.id;
  }

  /** The widget with this id, or the first one still rendered when no id is given. */
  function find(widgetId) {
    if (widgetId === undefined || widgetId === null) {
      const first = widgets.values().next();
      return first.done ? null : first.value;
    }
    return widgets.get(Number(widgetId)) || null;
  }

  function reset(widgetId) {
    const widget = find(widgetId);
    if (widget) widget.restart();
  }

  function getResponse(widgetId) {
    const widget = find(widgetId);
    return widget ? widget.field.value : '';
  }

  function remove(widgetId) {
    const widget = find(widgetId);
    if (!widget) return;
    widget.destroy();
    widgets.delete(widget.id);
    widgetOfHost.delete(widget.host);
  }

  function renderAll() {
    const hosts = document.querySelectorAll('div.ocapi');
    for (let i = 0; i < hosts.length; i++) {
      if (widgetOfHost.has(hosts[i])) continue;
      try {
        render(hosts[i]);
      } catch (err) {
        setTimeout(function () { throw err; }, 0);
      }
    }
  }

  window.ocapi = Object.freeze({ version: VERSION, render, reset, getResponse, remove });

  function ready() {
    if (!SCRIPT.explicit) renderAll();
    // `?onload=fn` tells an async-loaded page that window.ocapi now exists.
    const onload = resolveCallback(SCRIPT.onload);
    if (onload) onload.fn.call(onload.self);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
