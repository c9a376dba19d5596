// A real OpenID Connect provider for tests (panva's oidc-provider) with one confidential
// client and an account for every login.
//
//   node oidc-provider.mjs '{"client_id":"…","client_secret":"…","redirect_uris":["…"]}'
//
// (or the same JSON in WATCHWORD_OIDC_CONFIG). Listens on 127.0.0.1 on an ephemeral port over
// plain HTTP, the issuer is `http://127.0.0.1:<port>`, and once it is ready it prints exactly
// one line, `LISTENING <port>`, to stdout.
//
// - Authorization code flow only, PKCE (S256) required, client authentication
//   client_secret_basic (client_secret_post is accepted as well).
// - Scopes openid, email and profile with the claims email, email_verified and name, also in
//   the ID token (signed RS256 with a key generated at start).
// - Any login is an account: sub `<login>`, email `<login>@example.test` (verified), name
//   `User <login>`.
// - Interactions: `GET /interaction/:uid` is a login form (`#login`, `#submit`) posting to
//   `/interaction/:uid/login`, which signs the login in and grants the client openid, email and
//   profile at once: no consent page.
//
// It exits when stdin closes, so it never outlives the test process that started it.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// stdout carries only the LISTENING line; oidc-provider prints its notices with console.info.
console.log = console.error;
console.info = console.error;

const config = JSON.parse(process.argv[2] ?? process.env.WATCHWORD_OIDC_CONFIG ?? 'null');
if (
  !config
  || typeof config.client_id !== 'string'
  || typeof config.client_secret !== 'string'
  || !Array.isArray(config.redirect_uris)
) {
  console.error('usage: node oidc-provider.mjs \'{"client_id":…,"client_secret":…,"redirect_uris":[…]}\'');
  process.exit(2);
}

const SCOPE = 'openid email profile';
const CLAIMS = ['email', 'email_verified', 'name'];

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, clientId, error) {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in</title></head>
<body>
<h1>Sign in to ${escapeHtml(clientId)}</h1>
${error ? `<p id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="login">Login</label>
<input id="login" name="login" autocomplete="username" autofocus>
<button id="submit" type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The issuer names the port, so the socket is bound before the provider exists.
const server = createServer();
server.on('error', (error) => {
  console.error('oidc-provider:', error.message);
  process.exit(1);
});
await new Promise((resolve) => {
  server.listen(0, '127.0.0.1', resolve);
});
const { port } = server.address();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // The registered method decides the accepted ones: a client_secret_basic client may also
  // authenticate with client_secret_post, as long as both are enabled here.
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Scope claims in the ID token too, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: true,
          name: `User ${id}`,
        };
      },
    };
  },
  async renderError(ctx, out, error) {
    console.error('oidc-provider error:', error);
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><body><h1>${escapeHtml(out.error)}</h1><p id="error">${escapeHtml(out.error_description ?? '')}</p></body></html>`;
  },
});

provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));

// The interactions, ahead of the provider's own routes.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
  if (!match) {
    await next();
    return;
  }
  const [, uid, login] = match;
  ctx.set('cache-control', 'no-store');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    ctx.status = 400;
    ctx.type = 'text';
    ctx.body = `no interaction: ${error.message}\n`;
    return;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = 'text';
    ctx.body = 'the interaction cookie belongs to another interaction\n';
    return;
  }
  const clientId = details.params.client_id;

  if (!login && ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = loginPage(uid, clientId);
    return;
  }
  if (!login || ctx.method !== 'POST') {
    ctx.status = 405;
    return;
  }

  const accountId = (await readForm(ctx.req)).get('login')?.trim();
  if (!accountId) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = loginPage(uid, clientId, 'Enter a login.');
    return;
  }
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(SCOPE);
  grant.addOIDCClaims(CLAIMS);
  const grantId = await grant.save();
  // interactionFinished answers through the raw response itself.
  ctx.respond = false;
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
});

server.on('request', provider.callback());
process.stdout.write(`LISTENING ${port}\n`);

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
