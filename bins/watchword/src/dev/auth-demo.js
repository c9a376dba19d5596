// The sign-in host demo: calls the host from a page of its family, with the browser's cookies.
"use strict";

const HOST = document.body.dataset.authHost;
const $ = (id) => document.getElementById(id);

function say(text, error) {
  const status = $("status");
  status.textContent = text;
  status.className = error ? "error" : "ok";
}

async function api(path, options = {}) {
  const init = { credentials: "include", method: options.method || "GET", headers: {} };
  if (options.body !== undefined) {
    init.method = options.method || "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(HOST + path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ? `${body.error.message} (${body.error.code})` : `HTTP ${response.status}`);
  return body;
}

const add = () => ($("add").checked ? "?add=1" : "");

async function challenge(address) {
  return api(`/api/challenge?addr=${encodeURIComponent(address)}&audience=${encodeURIComponent(location.origin)}`);
}

async function signIn(address, message, signature, nonce) {
  await api(`/api/auth/signin${add()}`, { body: { address, message, signature, nonce } });
  location.reload();
}

// A wallet in the page: sign in with a function that returns [address, sign(message)].
async function walletSignIn(name, connect) {
  try {
    say(`Asking ${name}…`);
    const [address, signMessage] = await connect();
    const { message, nonce } = await challenge(address);
    const signature = await signMessage(message);
    await signIn(address, message, signature, nonce);
  } catch (error) {
    say(`${name}: ${error.message || error}`, true);
  }
}

// The injected providers of common wallets, each asked for a native segwit address and a
// BIP-322 signature.
const WALLETS = [
  ["Unisat", () => window.unisat, async (w) => {
    const [address] = await w.requestAccounts();
    return [address, (m) => w.signMessage(m, "bip322-simple")];
  }],
  ["Leather", () => window.LeatherProvider, async (w) => {
    const { result } = await w.request("getAddresses");
    const entry = result.addresses.find((a) => a.type === "p2wpkh") || result.addresses[0];
    return [entry.address, async (m) => (await w.request("signMessage", { message: m, paymentType: "p2wpkh" })).result.signature];
  }],
];

function detectWallets() {
  const found = WALLETS.filter(([, get]) => get());
  const place = $("wallets");
  if (found.length === 0) {
    place.textContent = "No wallet extension found in this browser: use the demo wallet, or copy the message to any wallet.";
    return;
  }
  place.textContent = "";
  for (const [name, get, connect] of found) {
    const button = document.createElement("button");
    button.type = "button";
    button.id = `wallet-${name.toLowerCase()}`;
    button.textContent = `Sign in with ${name}`;
    button.addEventListener("click", () => walletSignIn(name, () => connect(get())));
    place.append(button);
  }
}

$("demo-wallet").addEventListener("click", () => walletSignIn("the demo wallet", async () => {
  const { address } = await (await fetch("/auth/demo-wallet")).json();
  return [address, async (message) => {
    const response = await fetch("/auth/demo-wallet/sign", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message }),
    });
    return (await response.json()).signature;
  }];
}));

let pasted = null;
$("get-message").addEventListener("click", async () => {
  try {
    pasted = await challenge($("address").value.trim());
    $("message").value = pasted.message;
    say("Sign the message with your wallet (BIP-322), then paste the signature.");
  } catch (error) { say(error.message, true); }
});
$("paste-sign-in").addEventListener("click", async () => {
  if (!pasted) return say("Get the message first.", true);
  try { await signIn($("address").value.trim(), pasted.message, $("signature").value.trim(), pasted.nonce); } catch (error) { say(error.message, true); }
});

$("send-code").addEventListener("click", async () => {
  try {
    await api("/api/auth/email-otp/start", { body: { email: $("email").value } });
    say("Code sent: check your mail.");
    const { mails } = await (await fetch("/auth/outbox")).json();
    const mail = mails.find((m) => m.to === $("email").value.trim().toLowerCase());
    $("mail").textContent = mail ? `Development outbox — ${mail.subject}` : "";
  } catch (error) { say(error.message, true); }
});
$("verify-code").addEventListener("click", async () => {
  try {
    await api(`/api/auth/email-otp/verify${add()}`, { body: { email: $("email").value, code: $("code").value.trim() } });
    location.reload();
  } catch (error) { say(error.message, true); }
});

async function providers() {
  const { providers: list } = await api("/api/auth/providers");
  if (list.length === 0) return;
  const place = $("providers");
  place.textContent = "";
  for (const provider of list) {
    const link = document.createElement("a");
    link.id = `provider-${provider.name}`;
    link.textContent = `Sign in with ${provider.name}`;
    link.addEventListener("click", () => {
      link.href = `${HOST}${provider.start}${add() ? "?add=1&" : "?"}return_to=${encodeURIComponent(location.href)}`;
    });
    link.href = `${HOST}${provider.start}?return_to=${encodeURIComponent(location.href)}`;
    place.append(link, " ");
  }
}

async function roster() {
  const list = $("roster");
  let me;
  try { me = await api("/api/auth/me"); } catch (_) { return; }
  list.textContent = "";
  for (const account of me.accounts) {
    const item = document.createElement("li");
    item.dataset.sub = account.sub;
    item.textContent = `${account.name || account.sub} `;
    if (account.active) {
      item.append("(active)");
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "switch";
      button.textContent = "Switch";
      button.addEventListener("click", async () => {
        try { await api("/api/auth/switch", { body: { sub: account.sub } }); location.reload(); } catch (error) { say(error.message, true); }
      });
      item.append(button);
    }
    list.append(item);
  }
}

async function signOut(scope) {
  try { await api(`/api/auth/logout?scope=${scope}`, { body: {} }); location.reload(); } catch (error) { say(error.message, true); }
}
$("sign-out-current").addEventListener("click", () => signOut("current"));
$("sign-out-all").addEventListener("click", () => signOut("all"));

detectWallets();
providers().catch((error) => say(error.message, true));
roster();
