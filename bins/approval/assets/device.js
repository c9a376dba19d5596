// Watchword approvals: the approver app. The browser holds a non-extractable ECDSA P-256
// key in IndexedDB and signs every call with it; the server knows only the public key.
(function () {
  "use strict";

  var DB = "watchword-approval";
  var STORE = "device";
  var encoder = new TextEncoder();
  var status = document.getElementById("status");
  var list = document.getElementById("requests");
  var enrolForm = document.getElementById("enrol");
  var shown = {};

  function say(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state || "");
  }

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function keep(mode, action) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = action(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function load() {
    return keep("readonly", function (store) { return store.get("device"); });
  }

  function save(device) {
    return keep("readwrite", function (store) { return store.put(device, "device"); });
  }

  function forget() {
    return keep("readwrite", function (store) { return store["delete"]("device"); });
  }

  function base64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function sign(device, bytes) {
    return crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, device.keys.privateKey, bytes);
  }

  // A call signed by the device key: "<METHOD> <path>\n<unix seconds>\n" and the body.
  function call(device, method, path, query, body) {
    var time = Math.floor(Date.now() / 1000);
    var head = encoder.encode(method + " " + path + "\n" + time + "\n");
    var tail = body ? encoder.encode(body) : new Uint8Array(0);
    var message = new Uint8Array(head.length + tail.length);
    message.set(head);
    message.set(tail, head.length);
    return sign(device, message).then(function (signature) {
      var headers = { "Authorization": "Device " + device.id + "." + time + "." + base64url(signature) };
      if (body) {
        headers["Content-Type"] = "application/json";
      }
      return fetch(path + (query || ""), { method: method, headers: headers, body: body, cache: "no-store" });
    });
  }

  function enrol(code) {
    say("Enrolling this device…");
    var keys;
    return crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])
      .then(function (pair) {
        keys = pair;
        return crypto.subtle.exportKey("jwk", pair.publicKey);
      })
      .then(function (jwk) {
        return fetch("/device/api/enrol/finish", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ code: code, public_key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } })
        });
      })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) {
            throw new Error(answer.error ? answer.error.message : "enrolment failed");
          }
          return save({ id: answer.device_id, user_mail: answer.user_mail, keys: keys });
        });
      })
      .then(function () {
        history.replaceState(null, "", "/device");
        enrolForm.hidden = true;
        start();
      }, function (error) {
        say(error.message, "error");
        showEnrol();
      });
  }

  function showEnrol() {
    enrolForm.hidden = false;
    enrolForm.onsubmit = function (event) {
      event.preventDefault();
      var mail = document.getElementById("mail").value;
      fetch("/device/api/enrol/start", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ UserMail: mail })
      }).then(function (response) {
        say(response.ok ? "Check your mail and open the link on this device." : "Could not send the link; try again later.",
          response.ok ? "sent" : "error");
      });
    };
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function readFile(input) {
    var file = input.files && input.files[0];
    if (!file) {
      return Promise.resolve(null);
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        resolve({ media_type: file.type, data: String(reader.result).split(",")[1] });
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  function signaturePad(canvas) {
    var context = canvas.getContext("2d");
    var drawing = false;
    canvas.width = canvas.clientWidth || 300;
    canvas.height = canvas.clientHeight || 160;
    context.lineWidth = 2;
    context.lineCap = "round";
    function at(event) {
      var box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      var p = at(event);
      context.beginPath();
      context.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (drawing) {
        var p = at(event);
        context.lineTo(p[0], p[1]);
        context.stroke();
        canvas.setAttribute("data-drawn", "true");
      }
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
  }

  function answer(device, request, article, approve, number) {
    var body = { ref: request.ref, answer: approve ? "approve" : "deny" };
    if (number !== undefined) {
      body.number = number;
    }
    var extras = Promise.resolve();
    if (approve && (request.takes === "photo" || request.takes === "scan")) {
      extras = readFile(article.querySelector("input[type=file]")).then(function (file) {
        if (!file) {
          throw new Error("Take the " + request.takes + " first.");
        }
        body.attachment = file;
      });
    } else if (approve && request.takes === "signature") {
      var canvas = article.querySelector("canvas");
      if (canvas.getAttribute("data-drawn") !== "true") {
        extras = Promise.reject(new Error("Sign in the box first."));
      } else {
        body.attachment = { media_type: "image/png", data: canvas.toDataURL("image/png").split(",")[1] };
        extras = sign(device, encoder.encode(request.message)).then(function (signature) {
          body.message_signature = base64url(signature);
        });
      }
    }
    extras.then(function () {
      return call(device, "POST", "/device/api/decide", "", JSON.stringify(body));
    }).then(function (response) {
      return response.json().then(function (result) {
        if (!response.ok) {
          throw new Error(result.error ? result.error.message : "the answer was not taken");
        }
        article.setAttribute("data-state", result.state);
        article.textContent = result.state === "approved" ? "Approved." : "Denied.";
      });
    }).catch(function (error) {
      var note = article.querySelector(".note");
      note.textContent = error.message;
    });
  }

  function render(device, requests) {
    var seen = {};
    requests.forEach(function (request) {
      seen[request.ref] = true;
      if (shown[request.ref]) {
        return;
      }
      var article = element("article", { "data-ref": request.ref });
      article.appendChild(element("h2", {}, request.partner + " asks: " + request.request_name.replace(/^Request/, "")));
      article.appendChild(element("p", { "class": "message" }, request.message));
      var from = [request.requester.network, request.requester.os, request.requester.app].filter(Boolean).join(" · ");
      if (from) {
        article.appendChild(element("p", { "class": "from" }, "From " + from));
      }
      if (request.takes === "photo" || request.takes === "scan") {
        var label = element("label", {}, request.takes === "photo" ? "Take the photo" : "Scan the document");
        label.appendChild(element("input", { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment" }));
        article.appendChild(label);
      } else if (request.takes === "signature") {
        article.appendChild(element("p", {}, "Sign in the box:"));
        var canvas = element("canvas", { "aria-label": "Signature" });
        article.appendChild(canvas);
        setTimeout(function () { signaturePad(canvas); }, 0);
      }
      var choices = element("div", { "class": "choices" });
      if (request.choices) {
        article.appendChild(element("p", {}, "Pick the number shown where you asked:"));
        request.choices.forEach(function (number) {
          var button = element("button", { type: "button", "class": "choice", "data-number": String(number) }, String(number));
          button.onclick = function () { answer(device, request, article, true, number); };
          choices.appendChild(button);
        });
      } else {
        var approve = element("button", { type: "button", "class": "approve" }, "Approve");
        approve.onclick = function () { answer(device, request, article, true); };
        choices.appendChild(approve);
      }
      var deny = element("button", { type: "button", "class": "deny" }, "Deny");
      deny.onclick = function () { answer(device, request, article, false); };
      choices.appendChild(deny);
      article.appendChild(choices);
      article.appendChild(element("p", { "class": "note", role: "alert" }));
      shown[request.ref] = article;
      list.appendChild(article);
    });
    Object.keys(shown).forEach(function (ref) {
      if (!seen[ref] && !shown[ref].getAttribute("data-state")) {
        shown[ref].setAttribute("data-state", "gone");
        shown[ref].textContent = "This request was answered elsewhere, withdrawn or expired.";
      }
    });
  }

  function listen(device, pause) {
    var known = Object.keys(shown).filter(function (ref) { return !shown[ref].getAttribute("data-state"); });
    var query = "?wait=25" + (known.length ? "&known=" + known.join(",") : "");
    setTimeout(function () {
      call(device, "GET", "/device/api/pending", query).then(function (response) {
        if (response.status === 401) {
          return response.json().then(function (error) {
            if (error.error && error.error.code === "unknown_device") {
              forget().then(function () {
                say("This device is no longer enrolled. Enrol it again.", "error");
                showEnrol();
              });
              return;
            }
            listen(device, 5000);
          });
        }
        if (!response.ok) {
          listen(device, Math.min((pause || 1000) * 2, 30000));
          return null;
        }
        return response.json().then(function (answer) {
          say("Waiting for requests for " + answer.user_mail + ".", "listening");
          render(device, answer.requests);
          listen(device, 0);
        });
      }, function () {
        listen(device, Math.min((pause || 1000) * 2, 30000));
      });
    }, pause || 0);
  }

  function start() {
    var code = /enrol=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (code) {
      enrol(code[1]);
      return;
    }
    load().then(function (device) {
      if (device) {
        say("Waiting for requests for " + device.user_mail + ".", "listening");
        listen(device, 0);
      } else {
        say("This device is not enrolled yet.", "unenrolled");
        showEnrol();
      }
    }, function () {
      say("This browser keeps no storage here; approvals need IndexedDB.", "error");
    });
  }

  // An enrolment link opened in a tab that already shows the app changes only the fragment.
  window.addEventListener("hashchange", function () {
    var code = /enrol=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (code) {
      enrolForm.hidden = true;
      enrol(code[1]);
    }
  });

  start();
}());
