// Verifies an EdDSA JWT with panva's jose, an independent implementation to check ours against.
//
//   node jose-verify.mjs <jwks_url_or_file> <token> [issuer]
//
// The keys come from a JWK Set URL (http or https: createRemoteJWKSet) or a JWK Set file
// (createLocalJWKSet). Only EdDSA is accepted; with an issuer, `iss` must equal it. On success
// the payload is printed as JSON to stdout (exit 0); on failure one line
// `ERROR <code> <message>` goes to stderr (exit 1).

import { readFile } from 'node:fs/promises';

import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';

const [source, token, issuer] = process.argv.slice(2);
if (!source || !token) {
  console.error('usage: node jose-verify.mjs <jwks_url_or_file> <token> [issuer]');
  process.exit(2);
}

try {
  const keys = /^https?:\/\//i.test(source)
    ? createRemoteJWKSet(new URL(source))
    : createLocalJWKSet(JSON.parse(await readFile(source, 'utf8')));
  const options = { algorithms: ['EdDSA'] };
  if (issuer !== undefined) {
    options.issuer = issuer;
  }
  const { payload } = await jwtVerify(token, keys, options);
  process.stdout.write(`${JSON.stringify(payload)}\n`);
} catch (error) {
  const message = String(error?.message ?? error).replace(/\s+/g, ' ');
  process.stderr.write(`ERROR ${error?.code ?? 'ERR_UNKNOWN'} ${message}\n`);
  process.exitCode = 1;
}
