// mininova's dashboard: the public Compute API with the user's own token, nothing else.
"use strict";

const VERSION = "2.100";
const state = { token: sessionStorage.getItem("mininova-token"), timer: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

class ApiError extends Error {
  constructor(status, message, requestId) {
    super(message);
    this.status = status;
    this.requestId = requestId;
  }
}

// One API request: the token, the microversion; a fault body becomes an ApiError.
async function api(method, path, body, version = VERSION) {
  const headers = { "X-Auth-Token": state.token, "Accept": "application/json",
                    "X-OpenStack-Nova-API-Version": version };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers,
                                   body: body === undefined ? undefined : JSON.stringify(body) });
  const requestId = resp.headers.get("X-Openstack-Request-Id");
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (!resp.ok) {
    const fault = data && Object.values(data)[0];
    const message = (fault && (fault.message || fault.description)) || resp.statusText;
    if (resp.status === 401) signOut(`${resp.status}: ${message}`);
    throw new ApiError(resp.status, `${resp.status}: ${message}`, requestId);
  }
  return { data, requestId };
}

function signOut(message) {
  sessionStorage.removeItem("mininova-token");
  state.token = null;
  clearInterval(state.timer);
  $("main").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
}

async function signIn(token) {
  state.token = token;
  try {
    await api("GET", "/v2.1/servers?limit=1");
  } catch (err) {
    signOut(err.message);
    return;
  }
  sessionStorage.setItem("mininova-token", token);
  $("signin").hidden = true;
  $("main").hidden = false;
  $("signout").hidden = false;
  $("who").textContent = `signed in as ${token.includes(":") ? token : "a Keystone token"}`;
  try {
    await loadChoices();
  } catch (err) {
    $("error").textContent = `flavors and images: ${err.message}`;
  }
  await refresh();
  state.timer = setInterval(refresh, 1000);
}

function remember(label, requestId) {
  if (!requestId) return;
  $("requests").prepend(el("li", {}, `${label} `,
    el("a", { "data-request-id": requestId, onclick: () => showTrace(requestId) }, requestId)));
}

async function act(label, method, path, body) {
  $("error").textContent = "";
  try {
    const { requestId } = await api(method, path, body);
    remember(label, requestId);
  } catch (err) {
    $("error").textContent = `${label}: ${err.message}`;
    remember(`${label} (failed)`, err.requestId);
  }
  await refresh();
}

async function loadChoices() {
  // NOTE: the Image API (the compute API's image proxy ends at 2.35).
  const [flavors, images] = await Promise.all([api("GET", "/v2.1/flavors"),
                                               api("GET", "/image/v2/images")]);
  $("create-flavor").replaceChildren(...flavors.data.flavors.map(
    (f) => el("option", { value: f.id }, f.name)));
  $("create-image").replaceChildren(...images.data.images.map(
    (i) => el("option", { value: i.id }, i.name)));
}

async function refreshHosts() {
  try {
    const [hyps, services] = await Promise.all([
      // NOTE: 2.87, the last microversion whose hypervisors show their usage.
      api("GET", "/v2.1/os-hypervisors/detail", undefined, "2.87"),
      api("GET", "/v2.1/os-services?binary=nova-compute")]);
    const byHost = Object.fromEntries(services.data.services.map((s) => [s.host, s]));
    $("hosts").tBodies[0].replaceChildren(...hyps.data.hypervisors.map((h) => {
      const svc = byHost[h.service.host] || {};
      return el("tr", { "data-host": h.service.host }, el("td", {}, h.service.host),
        el("td", { class: svc.state || "" }, svc.state || "?"), el("td", {}, svc.status || "?"),
        el("td", {}, `${h.vcpus_used ?? "-"} / ${h.vcpus ?? "-"}`),
        el("td", {}, `${h.memory_mb_used ?? "-"} / ${h.memory_mb ?? "-"}`),
        el("td", {}, `${h.local_gb_used ?? "-"} / ${h.local_gb ?? "-"}`),
        el("td", {}, `${h.running_vms ?? "-"}`));
    }));
    $("hosts-note").textContent = "";
  } catch (err) {
    $("hosts").tBodies[0].replaceChildren();
    $("hosts-note").textContent = err.status === 403
      ? "Hosts are for admins (os-hypervisors policy)." : err.message;
  }
}

const POWER = { 0: "NOSTATE", 1: "RUNNING", 3: "PAUSED", 4: "SHUTDOWN", 6: "CRASHED",
                7: "SUSPENDED" };

function addresses(server) {
  return Object.entries(server.addresses || {}).map(
    ([net, ips]) => `${net}: ${ips.map((ip) => ip.addr).join(", ")}`).join("; ");
}

async function refreshServers() {
  const { data } = await api("GET", "/v2.1/servers/detail");
  $("servers").tBodies[0].replaceChildren(...data.servers.map((s) => {
    const path = `/v2.1/servers/${s.id}`;
    const button = (label, fn) => el("button", { "data-action": label, onclick: fn }, label);
    return el("tr", { "data-server": s.name, "data-id": s.id },
      el("td", {}, s.name), el("td", { class: "status" }, s.status),
      el("td", { class: "task" }, s["OS-EXT-STS:task_state"] || "-"),
      el("td", {}, POWER[s["OS-EXT-STS:power_state"]] || "-"),
      el("td", {}, s["OS-EXT-SRV-ATTR:host"] || "-"), el("td", {}, addresses(s)),
      el("td", {},
        button("stop", () => act(`stop ${s.name}`, "POST", `${path}/action`, { "os-stop": null })),
        button("start", () => act(`start ${s.name}`, "POST", `${path}/action`, { "os-start": null })),
        button("reboot", () => act(`reboot ${s.name}`, "POST", `${path}/action`,
                                   { reboot: { type: "SOFT" } })),
        button("delete", () => act(`delete ${s.name}`, "DELETE", path)),
        button("actions", () => showActions(s))));
  }));
}

async function showActions(server) {
  const { data } = await api("GET", `/v2.1/servers/${server.id}/os-instance-actions`);
  $("server-actions").replaceChildren(el("h3", {}, `Instance actions of ${server.name}`),
    el("ul", {}, ...data.instanceActions.map((a) => el("li", {}, `${a.action} ${a.start_time} `,
      el("a", { "data-request-id": a.request_id, onclick: () => showTrace(a.request_id) },
         a.request_id)))));
}

async function refresh() {
  try {
    await Promise.all([refreshHosts(), refreshServers()]);
  } catch (err) {
    $("error").textContent = err.message;
  }
}

async function showTrace(requestId) {
  $("trace").hidden = false;
  $("trace-title").textContent = `Trace of ${requestId}`;
  let spans;
  try {
    spans = (await api("GET", `/mininova/v1/traces/${encodeURIComponent(requestId)}`))
      .data.trace.spans;
  } catch (err) {
    $("waterfall").replaceChildren(el("p", { class: "error" }, err.message));
    return;
  }
  const total = Math.max(...spans.map((s) => s.offset_ms + s.duration_ms), 0.001);
  const parents = Object.fromEntries(spans.map((s) => [s.span_id, s.parent_id]));
  const depth = (s) => { let d = 0, p = s.parent_id; while (p && parents[p] !== undefined) { d++; p = parents[p]; } return d; };
  $("waterfall").replaceChildren(el("p", { class: "note" },
      `${spans.length} spans, ${total.toFixed(1)} ms`),
    ...spans.map((s) => el("div", { class: "span-row", "data-span": s.name },
      el("span", { class: "span-label", title: `${s.service}@${s.host}` },
         `${"\u00a0\u00a0".repeat(depth(s))}${s.name} (${s.service}@${s.host})`),
      el("span", { class: "span-track" }, el("span", {
        class: `span-bar svc-${s.service}`,
        style: `left:${(100 * s.offset_ms / total).toFixed(2)}%;` +
               `width:${(100 * s.duration_ms / total).toFixed(2)}%` })),
      el("span", { class: "span-ms" }, `${s.duration_ms.toFixed(2)} ms`))));
}

$("signin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  signIn($("token").value.trim());
});
$("signout").addEventListener("click", () => signOut());
$("create-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(`create ${$("create-name").value}`, "POST", "/v2.1/servers", { server: {
    name: $("create-name").value, flavorRef: $("create-flavor").value,
    imageRef: $("create-image").value, networks: "auto" } });
});
$("trace-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  showTrace($("trace-id").value.trim());
});

if (state.token) signIn(state.token); else signOut();
