// The API explorer: lists the operations of /api/openapi and sends requests from a form.
"use strict";

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function example(schema, doc) {
  if (!schema) return undefined;
  if (schema.$ref) schema = schema.$ref.split("/").slice(1).reduce((o, k) => o[k], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.type === "object") {
    const out = {};
    for (const [name, property] of Object.entries(schema.properties || {})) {
      if ((schema.required || []).includes(name)) out[name] = example(property, doc) ?? "";
    }
    return out;
  }
  return undefined;
}

function operationForm(doc, path, method, operation) {
  const params = (operation.parameters || []).filter((p) => p.in === "path" || p.in === "query");
  const inputs = params.map((p) => {
    const input = element("input", { name: p.name, placeholder: p.schema?.example ?? "" });
    return [p, element("label", {}, `${p.name} (${p.in}${p.required ? ", required" : ""}) `, input), input];
  });
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  const body = bodySchema
    ? element("textarea", {}, JSON.stringify(example(bodySchema, doc) ?? {}, null, 2))
    : null;
  const output = element("pre", {}, "");
  const send = element("button", { type: "button" }, "Send");
  send.addEventListener("click", async () => {
    let url = path;
    const query = new URLSearchParams();
    for (const [p, , input] of inputs) {
      if (!input.value) continue;
      if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(input.value));
      else query.set(p.name, input.value);
    }
    if ([...query].length) url += `?${query}`;
    const init = { method: method.toUpperCase(), credentials: "include", redirect: "manual", headers: {} };
    if (body) {
      init.headers["content-type"] = "application/json";
      init.body = body.value;
    }
    output.textContent = "…";
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
      output.textContent = `${response.status} ${response.statusText}\n\n${shown}`;
    } catch (error) {
      output.textContent = String(error);
    }
  });
  return element("div", {}, ...inputs.map(([, label]) => label), ...(body ? [body] : []), send, output);
}

async function main() {
  const root = document.getElementById("operations");
  const doc = await (await fetch("/api/openapi")).json();
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!["get", "post", "patch", "delete", "put"].includes(method)) continue;
      const tag = (operation.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, operation]);
    }
  }
  root.textContent = "";
  for (const [tag, operations] of byTag) {
    root.append(element("h2", {}, tag));
    for (const [path, method, operation] of operations) {
      const summary = element("summary", {},
        element("span", { class: "method" }, method.toUpperCase()),
        element("code", {}, path), ` ${operation.summary || ""}`);
      const details = element("details", { "data-operation": operation.operationId || "" }, summary);
      if (operation.description) details.append(element("p", {}, operation.description));
      details.append(operationForm(doc, path, method, operation));
      root.append(details);
    }
  }
}

main().catch((error) => {
  document.getElementById("operations").textContent = `Could not load the API document: ${error}`;
});
