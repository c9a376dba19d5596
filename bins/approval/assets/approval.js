// Watchword approval: the partner-page part of GetHTML's snippet. It shows the number the
// customer picks on the phone, asks the server until the customer answers, and on an approval
// writes the single-use token and the transaction id into hidden fields `token` and
// `transactionid` of form FormID and submits it. The partner's server then calls VerifyToken.
// Listeners may follow along with the `watchword-approval` event on the snippet's <div>
// (detail: {state, token}).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var base = script.getAttribute("data-base");
  var id = script.getAttribute("data-transaction");
  var formId = script.getAttribute("data-form");
  var box = null;
  var boxes = document.querySelectorAll("[data-watchword-approval]");
  for (var i = 0; i < boxes.length; i += 1) {
    if (boxes[i].getAttribute("data-watchword-approval") === id) {
      box = boxes[i];
    }
  }
  var delay = 1000;

  function tell(state, text, token) {
    if (box) {
      box.setAttribute("data-state", state);
      if (text) {
        box.textContent = text;
      }
      box.dispatchEvent(new CustomEvent("watchword-approval", {
        bubbles: true,
        detail: { state: state, token: token || null }
      }));
    }
  }

  function field(form, name, value) {
    var input = null;
    for (var i = 0; i < form.elements.length; i += 1) {
      if (form.elements[i].name === name) {
        input = form.elements[i];
      }
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function submit(token) {
    tell("approved", "Approved.", token);
    var form = document.getElementById(formId);
    if (!form || form.tagName !== "FORM") {
      return;
    }
    field(form, "token", token);
    field(form, "transactionid", id);
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function again() {
    setTimeout(poll, delay);
  }

  function poll() {
    fetch(base + "/page/" + encodeURIComponent(id) + "/status", {
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 404) {
        tell("unknown", "This request is no longer valid.");
        return null;
      }
      if (!response.ok) {
        // Busy or briefly unavailable: back off, up to ten seconds.
        delay = Math.min(delay * 2, 10000);
        again();
        return null;
      }
      delay = 1000;
      return response.json();
    }).then(function (status) {
      if (!status) {
        return;
      }
      if (status.state === "approved" && status.token) {
        submit(status.token);
      } else if (status.state === "denied") {
        tell("denied", "The request was denied.");
      } else if (status.state === "expired") {
        tell("expired", "The request expired; start again.");
      } else {
        again();
      }
    }, function () {
      delay = Math.min(delay * 2, 10000);
      again();
    });
  }

  function post(path, body) {
    return fetch(base + "/page/" + encodeURIComponent(id) + path, {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error ? answer.error.message : "the request failed");
        }
        return answer;
      });
    });
  }

  // A button that runs `answer` (a promise of the token) and posts the token, or says why not.
  function onClick(button, answer) {
    var note = document.createElement("p");
    note.className = "watchword-approval-note";
    button.parentNode.appendChild(note);
    button.addEventListener("click", function () {
      button.disabled = true;
      note.textContent = "";
      answer().then(submit, function (error) {
        button.disabled = false;
        note.textContent = error.message;
        tell("error", null);
      });
    });
  }

  // Page types 1 and 2: the customer answers here, with a security key or a platform
  // authenticator, through WebAuthn; the answer carries the token to post.
  function securityKey() {
    return post("/webauthn/options", "{}").then(function (options) {
      if (options.mode === "create") {
        return navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)
        });
      }
      return navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey)
      });
    }).then(function (credential) {
      return post("/webauthn", JSON.stringify(credential.toJSON()));
    }).then(function (answer) {
      return answer.token;
    });
  }

  // Page type 3: the browser offers the customer's client certificate to the server's
  // certificate listener, which answers with the token.
  function certificate() {
    return fetch(script.getAttribute("data-certificate") + "/cert/" + encodeURIComponent(id), {
      method: "POST",
      credentials: "include",
      cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: "{}"
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error ? answer.error.message : "the certificate was not accepted");
        }
        return answer.token;
      });
    });
  }

  var pageType = script.getAttribute("data-page-type");
  var keyButton = box && box.querySelector(".watchword-approval-key");
  var certificateButton = box && box.querySelector(".watchword-approval-certificate");
  if (pageType === "3" && certificateButton) {
    onClick(certificateButton, certificate);
  } else if ((pageType === "1" || pageType === "2") && keyButton) {
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
      box.textContent = "This browser cannot use security keys here.";
      return;
    }
    onClick(keyButton, securityKey);
  } else {
    poll();
  }
}());
