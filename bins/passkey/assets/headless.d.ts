/*
 * Watchword passkey: typings for the headless browser SDK (headless.js).
 *
 * headless.js is a classic script that defines `window.OTPless`; these are global declarations
 * to reference from a page's TypeScript: /// <reference path="headless.d.ts" />
 */

/** The argument of `OTPless.prototype.initiate`. */
interface OTPlessInitiateArgs {
  requestType: "initiate";
  request: {
    channel: "WEB_AUTHN";
    /** The requestId the passkey server's initiate API returned to the site's backend. */
    requestId: string;
    /**
     * "conditional" offers the passkeys in the autofill of an input with
     * `autocomplete="username webauthn"` and waits until the user picks one (or until a later
     * `initiate` or `abort()`). Omitted (or "optional"): the browser's modal passkey dialog.
     */
    mediation?: "optional" | "conditional";
  };
}

/** One identity of the signed-in user, as the passkey server reports it. */
interface OTPlessIdentity {
  identityType: string;
  identityValue: string;
  channel: "WEBAUTHN";
  type: "REGISTRATION" | "LOGIN";
}

/** What the callback (and the promise of `initiate`) receives on success. */
interface OTPlessSuccess {
  responseType: "ONETAP";
  statusCode: 200;
  /** The same as `response.token`: the token the site's backend validates. */
  token: string;
  response: {
    token: string;
    userId: string;
    type: "REGISTRATION" | "LOGIN";
    identities: OTPlessIdentity[];
    requestId: string;
  };
}

/** The error codes the SDK itself reports; the passkey server's own codes pass through too. */
type OTPlessClientErrorCode =
  | "WEBAUTHN_UNSUPPORTED"
  | "USER_CANCELLED"
  | "INVALID_STATE"
  | "SECURITY_ERROR"
  | "NETWORK_ERROR"
  | "ABORTED"
  | "INVALID_REQUEST"
  | "CONDITIONAL_UNAVAILABLE"
  | "SPC_UNSUPPORTED"
  | "UNKNOWN_ERROR";

/** What the callback (and the promise of `initiate`) receives on failure. */
interface OTPlessFailure {
  responseType: "FAILED";
  /** The passkey server's HTTP status, or 0 when the failure happened in the browser. */
  statusCode: number;
  token?: undefined;
  response: {
    errorCode: OTPlessClientErrorCode | (string & {});
    errorMessage: string;
    requestId: string | null;
    /** For `verification_failed`: the stable code of the WebAuthn check that refused it. */
    reason?: string;
  };
}

type OTPlessResult = OTPlessSuccess | OTPlessFailure;

declare class OTPless {
  /** The SDK's version. */
  static readonly version: string;

  /** `callback` receives the result of every `initiate`, exactly once each. */
  constructor(callback: (userinfo: OTPlessResult) => void);

  /**
   * Runs one passkey registration or sign-in for `requestId`. Resolves to the object the
   * callback received; never rejects.
   */
  initiate(args: OTPlessInitiateArgs): Promise<OTPlessResult>;

  /**
   * Aborts this instance's pending request (its callback then receives ABORTED). Returns
   * whether there was one. A request whose passkey the browser already returned completes.
   */
  abort(): boolean;
}

interface Window {
  OTPless: typeof OTPless;
}
