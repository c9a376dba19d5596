/*
 * Watchword captcha: the proof-of-work solver.
 *
 * Token = unpadded base64url of `challenge_bytes ‖ mac` (32-byte MAC). The solver finds the
 * smallest u64 `solution` such that SHA-256(challenge_bytes ‖ solution as 8 little-endian
 * bytes) starts with at least `difficulty` zero bits (see crates/captcha/src/pow.rs).
 *
 * Loaded two ways, with no eval:
 * - as a Worker: the main thread posts {token, difficulty}; the worker posts {progress: n}
 *   now and then, then {solution} or {error: "not_found" | "bad_token"}.
 * - as a classic <script> (main-thread fallback): it only defines `self.ocapiPow`.
 */
(function (root) {
  'use strict';

  const MAC_LEN = 32;
  const MAX_DIFFICULTY = 32;
  // The worker reports progress after every this many hashes.
  const PROGRESS_EVERY = 65536;

  // Int32Array rather than Uint32Array: V8 keeps int32 values in registers, while reading a
  // Uint32Array element above 2^31 gives a double and slows the rounds down.
  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const IV = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);

  /** Runs one SHA-256 compression over 16 words of `block` from `off`, updating `state`. */
  function compress(state, w, block, off) {
    for (let i = 0; i < 16; i++) w[i] = block[off + i];
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = state[0], b = state[1], c = state[2], d = state[3];
    let e = state[4], f = state[5], g = state[6], h = state[7];
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + s1 + ch + K[i] + w[i]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + s0 + maj) | 0;
    }
    state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0;
    state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
    state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0;
    state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
  }

  /** Reads big-endian 32-bit words from `bytes` into `words`, for word indexes [from, to]. */
  function loadWords(words, bytes, from, to) {
    for (let i = from; i <= to; i++) {
      const j = i * 4;
      words[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
  }

  /** Writes a bit length (below 2^53) big-endian into the last 8 bytes of `buf`. */
  function writeBitLength(buf, byteLen) {
    const bits = byteLen * 8;
    const hi = Math.floor(bits / 4294967296);
    const lo = bits >>> 0;
    const end = buf.length;
    buf[end - 8] = hi >>> 24; buf[end - 7] = hi >>> 16; buf[end - 6] = hi >>> 8; buf[end - 5] = hi;
    buf[end - 4] = lo >>> 24; buf[end - 3] = lo >>> 16; buf[end - 2] = lo >>> 8; buf[end - 1] = lo;
  }

  function stateBytes(state) {
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const v = state[i];
      out[i * 4] = v >>> 24; out[i * 4 + 1] = v >>> 16; out[i * 4 + 2] = v >>> 8; out[i * 4 + 3] = v;
    }
    return out;
  }

  /** Returns the SHA-256 digest (32 bytes) of a Uint8Array. */
  function sha256(bytes) {
    const padded = new Uint8Array((((bytes.length + 8) >> 6) + 1) * 64);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    writeBitLength(padded, bytes.length);
    const words = new Int32Array(padded.length / 4);
    loadWords(words, padded, 0, words.length - 1);
    const state = new Int32Array(IV);
    const w = new Int32Array(64);
    for (let off = 0; off < words.length; off += 16) compress(state, w, words, off);
    return stateBytes(state);
  }

  /** Counts leading zero bits of a byte array, most significant bit of the first byte first. */
  function leadingZeroBits(bytes) {
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        n += 8;
      } else {
        return n + Math.clz32(bytes[i]) - 24;
      }
    }
    return n;
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  /** Decodes unpadded base64url; throws on any other character or an impossible length. */
  function decodeBase64Url(text) {
    if (typeof text !== 'string' || text.length % 4 === 1) throw new Error('bad_token');
    const out = new Uint8Array(Math.floor((text.length * 3) / 4));
    let acc = 0, bits = 0, o = 0;
    for (let i = 0; i < text.length; i++) {
      const v = B64.indexOf(text.charAt(i));
      if (v < 0) throw new Error('bad_token');
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >>> bits) & 0xff;
      }
    }
    return out;
  }

  /**
   * Prepares the search for one token. The full 64-byte blocks of the challenge bytes never
   * change, so their midstate is computed once; each try then hashes only the last one or two
   * blocks, patching the 8 solution bytes in place.
   */
  function createSolver(token, difficulty) {
    if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
      throw new Error('bad_token');
    }
    const raw = decodeBase64Url(token);
    if (raw.length <= MAC_LEN) throw new Error('bad_token');
    const prefix = raw.subarray(0, raw.length - MAC_LEN);

    const w = new Int32Array(64);
    const mid = new Int32Array(IV);
    const full = prefix.length - (prefix.length % 64);
    const block = new Int32Array(16);
    for (let off = 0; off < full; off += 64) {
      loadWords(block, prefix.subarray(off, off + 64), 0, 15);
      compress(mid, w, block, 0);
    }

    const rest = prefix.length - full;
    const tail = new Uint8Array(rest + 8 + 1 + 8 <= 64 ? 64 : 128);
    tail.set(prefix.subarray(full));
    tail[rest + 8] = 0x80;
    writeBitLength(tail, prefix.length + 8);
    const words = new Int32Array(tail.length / 4);
    loadWords(words, tail, 0, words.length - 1);
    const twoBlocks = tail.length === 128;
    const first = rest >> 2;
    const last = (rest + 7) >> 2;
    const state = new Int32Array(8);

    /** Hashes the challenge with `n`, leaving the digest words in `state`. */
    function hashWith(n) {
      const lo = n >>> 0;
      const hi = Math.floor(n / 4294967296);
      tail[rest] = lo; tail[rest + 1] = lo >>> 8; tail[rest + 2] = lo >>> 16; tail[rest + 3] = lo >>> 24;
      tail[rest + 4] = hi; tail[rest + 5] = hi >>> 8; tail[rest + 6] = hi >>> 16; tail[rest + 7] = hi >>> 24;
      loadWords(words, tail, first, last);
      state.set(mid);
      compress(state, w, words, 0);
      if (twoBlocks) compress(state, w, words, 16);
    }

    return {
      difficulty,
      /** Tries [start, start + count); returns the first solution found, or -1. */
      search(start, count) {
        const end = start + count;
        for (let n = start; n < end; n++) {
          hashWith(n);
          // difficulty <= 32, so the first digest word decides (clz32(0) is 32).
          if (Math.clz32(state[0]) >= difficulty) return n;
        }
        return -1;
      },
      /** Returns the digest for `n` (for tests). */
      digest(n) {
        hashWith(n);
        return stateBytes(state);
      },
    };
  }

  /** Tries to give up after, for a difficulty: 64 times the expected work. */
  function maxTries(difficulty) {
    return Math.pow(2, difficulty + 6);
  }

  /** Solves synchronously; returns the solution or -1. For tests and workers. */
  function solve(token, difficulty, onProgress) {
    const solver = createSolver(token, difficulty);
    const limit = maxTries(difficulty);
    for (let n = 0; n < limit; n += PROGRESS_EVERY) {
      const found = solver.search(n, Math.min(PROGRESS_EVERY, limit - n));
      if (found >= 0) return found;
      if (onProgress) onProgress(n + PROGRESS_EVERY);
    }
    return -1;
  }

  root.ocapiPow = { sha256, leadingZeroBits, decodeBase64Url, createSolver, maxTries, solve };

  if (typeof WorkerGlobalScope !== 'undefined' && root instanceof WorkerGlobalScope) {
    root.addEventListener('message', function (event) {
      const data = event.data || {};
      let solution;
      try {
        solution = solve(String(data.token), Number(data.difficulty), function (n) {
          root.postMessage({ progress: n });
        });
      } catch (err) {
        root.postMessage({ error: 'bad_token' });
        return;
      }
      root.postMessage(solution >= 0 ? { solution } : { error: 'not_found' });
    });
  }
})(self);
