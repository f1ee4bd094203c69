// The dashboard page: plain JavaScript, no framework, no build step.
//
// Two views, chosen by the path as upstream's UI names them:
//   /rollouts[?namespace=NS]                the rollouts of a namespace
//   /rollouts/rollout/NS/NAME               one rollout
// Each view opens one EventSource on the API's watch and redraws from what it receives; every
// text goes through textContent (never innerHTML), so object names cannot inject markup.
"use strict";

const API = "/api/v1";
let stream = null; // the one open EventSource

// -- DOM helpers ------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "onclick") el.addEventListener("click", value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Devanagari "॥" (the CLI's paused symbol) is missing from common UI fonts: draw bars instead.
const GLYPHS = { "\u0965": "❚❚" };

function icon(symbol, status, extra) {
  symbol = GLYPHS[symbol] || symbol;
  return h("span", { class: `icon st-${status} ${extra || ""}`, title: status }, symbol || " ");
}

function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.map(([k, v, id]) => [h("dt", {}, k), h("dd", { "data-testid": id }, v)]));
}

function toast(text, isError) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.className = isError ? "toast error" : "toast";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
}

function setLive(state) {
  const el = document.getElementById("live");
  el.className = `live ${state === "live" ? "on" : "off"}`;
  el.textContent = state;
}

// -- data -------------------------------------------------------------------------------------

async function getJSON(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function watch(path, onEvent) {
  if (stream) stream.close();
  stream = new EventSource(API + path);
  stream.onopen = () => setLive("live");
  stream.onerror = () => setLive("reconnecting…");
  stream.onmessage = (message) => onEvent(JSON.parse(message.data));
  return stream;
}

async function act(namespace, name, action, body, label) {
  label = label || action;
  const path = `${API}/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${action}`;
  try {
    const response = await fetch(path, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    toast(answer.message || `${label}: rollout '${name}' done`, false);
  } catch (err) {
    toast(`${label} failed: ${err.message}`, true);
  }
}

// -- pieces -----------------------------------------------------------------------------------

function images(info) {
  return [...(info.initContainers || []), ...(info.containers || [])].map((c) => `${c.name}: ${c.image}`).join("\n");
}

function describeStep(step) {
  if ("setWeight" in step) return `Set weight ${step.setWeight}%`;
  if ("pause" in step) return step.pause && step.pause.duration !== undefined ? `Pause ${step.pause.duration}` : "Pause (until promoted)";
  if ("setCanaryScale" in step) {
    const s = step.setCanaryScale || {};
    if (s.matchTrafficWeight) return "Canary scale: match traffic weight";
    return s.replicas !== undefined ? `Canary scale: ${s.replicas} replicas` : `Canary scale: ${s.weight}%`;
  }
  if ("analysis" in step) return `Analysis: ${((step.analysis || {}).templates || []).map((t) => t.templateName).join(", ")}`;
  if ("experiment" in step) return `Experiment: ${((step.experiment || {}).templates || []).map((t) => t.name).join(", ")}`;
  if ("setHeaderRoute" in step) return `Header route ${(step.setHeaderRoute || {}).name || ""}`;
  if ("setMirrorRoute" in step) return `Mirror route ${(step.setMirrorRoute || {}).name || ""}`;
  if ("plugin" in step) return `Plugin ${(step.plugin || {}).name || ""}`;
  return Object.keys(step).join(", ");
}

function stepsCard(info) {
  if (info.strategy !== "Canary") return null;
  const current = info.currentStepIndex;
  const items = (info.steps || []).map((step, i) => {
    const state = current === null || current === undefined ? "" : i < current ? "done" : i === current ? "current" : "";
    return h("li", { class: state, "aria-current": state === "current" ? "step" : false, "data-step": i }, describeStep(step));
  });
  return h("section", { class: "card" }, h("h2", {}, "Steps"),
    items.length ? h("ol", { class: "steps", "data-testid": "steps" }, items) : h("div", { class: "empty" }, "no steps"));
}

function tags(rs) {
  return ["stable", "canary", "active", "preview", "ping", "pong"].filter((t) => rs[t]).map((t) => h("span", { class: `tag tag-${t}` }, t));
}

// rollback: null, or {namespace, name, newest} of the rollout whose older revisions get a button
function replicaSetBlock(rs, rollback) {
  const canRollBack = rollback && rs.revision < rollback.newest;
  return h("div", { class: "revision", "data-revision": rs.revision },
    h("div", { class: "card-title" }, icon(rs.icon, rs.status), `Revision ${rs.revision}`, tags(rs),
      canRollBack ? h("button", { class: "rollback", "data-action": "rollback", "data-to-revision": rs.revision,
        onclick: () => act(rollback.namespace, rollback.name, `undo/${rs.revision}`, {}, `rollback to revision ${rs.revision}`) }, "Rollback") : null),
    kv([["ReplicaSet", rs.objectMeta.name], ["Status", rs.status], ["Replicas", `${rs.available}/${rs.replicas} available`],
        ["Images", h("span", { class: "images" }, rs.images.join(", "))]]),
    h("div", { class: "pods" }, rs.pods.map((p) => h("span", { class: `pod icon st-${p.status}`, title: `${p.objectMeta.name}: ${p.status} (${p.ready} ready, ${p.restarts} restarts)` }, p.icon))));
}

function analysisRows(runs) {
  return runs.map((run) => [
    h("tr", {},
      h("td", {}, icon(run.icon, run.status), " ", run.objectMeta.name),
      h("td", {}, run.status || "-"),
      h("td", {}, `✔ ${run.successful}  ✖ ${run.failed}  ? ${run.inconclusive}  ⚠ ${run.error}`)),
    ...(run.metrics || []).map((m) => h("tr", { class: "metric" },
      h("td", {}, "\u00a0\u00a0↳ ", m.name),
      h("td", { class: `st-${m.phase}` }, m.phase),
      h("td", {}, m.latest ? `latest: ${m.latest.value !== undefined ? m.latest.value : m.latest.phase}` : "", m.message ? ` (${m.message})` : ""))),
  ]);
}

function analysisCard(info) {
  const runs = [...info.analysisRuns, ...info.experiments.flatMap((e) => e.analysisRuns)];
  return h("section", { class: "card" }, h("h2", {}, "Analysis runs"),
    runs.length ? h("table", {}, h("tr", {}, h("th", {}, "Run"), h("th", {}, "Status"), h("th", {}, "Measurements")), analysisRows(runs))
      : h("div", { class: "empty" }, "none"));
}

function experimentsCard(info) {
  if (!info.experiments.length) return null;
  return h("section", { class: "card" }, h("h2", {}, "Experiments"),
    info.experiments.map((e) => h("div", { class: "revision" },
      h("div", { class: "card-title" }, icon(e.icon, e.status), e.objectMeta.name, ` (revision ${e.revision})`),
      e.message ? h("div", { class: "message" }, e.message) : null,
      e.replicaSets.map((rs) => replicaSetBlock(rs, null)))));
}

function actionButtons(info) {
  const ns = info.objectMeta.namespace;
  const name = info.objectMeta.name;
  const healthy = info.status === "Healthy";
  const button = (id, label, action, body, disabled, cls) =>
    h("button", { id, class: cls || "", disabled, "data-action": id, onclick: () => act(ns, name, action, body) }, label);
  return h("div", { class: "actions" },
    button("restart", "Restart", "restart", {}, false),
    button("retry", "Retry", "retry", {}, !info.aborted),
    button("abort", "Abort", "abort", {}, info.aborted || healthy, "danger"),
    button("promote", "Promote", "promote", { full: false }, info.aborted || (healthy && !info.paused), "primary"),
    button("promote-full", "Promote-Full", "promote", { full: true }, info.aborted || healthy));
}

// -- views ------------------------------------------------------------------------------------

function renderRollout(info) {
  const main = document.getElementById("main");
  const byRevision = info.replicaSets;
  const rollback = { namespace: info.objectMeta.namespace, name: info.objectMeta.name,
    newest: Math.max(0, ...byRevision.map((rs) => rs.revision)) };
  main.replaceChildren(
    h("p", {}, h("a", { href: `/rollouts?namespace=${encodeURIComponent(info.objectMeta.namespace)}`, "data-nav": true }, "← all rollouts")),
    h("div", { class: "head" },
      h("div", {},
        h("h1", {}, icon(info.icon, info.status), h("span", { "data-testid": "name" }, info.objectMeta.name),
          h("span", { class: `st-${info.status}`, "data-testid": "status" }, info.status)),
        info.message ? h("div", { class: "message", "data-testid": "message" }, info.message) : null),
      actionButtons(info)),
    h("div", { class: "layout" },
      h("div", { class: "stack" },
        h("section", { class: "card" }, h("h2", {}, "Summary"), kv([
          ["Strategy", info.strategy, "strategy"],
          ["Step", info.step || "-", "step"],
          ["Set weight", info.setWeight || "-", "set-weight"],
          ["Actual weight", info.actualWeight || "-", "actual-weight"],
          ["Replicas", `${info.desired} desired, ${info.current} current, ${info.updated} updated, ${info.ready} ready, ${info.available} available`, "replicas"],
          ["Images", h("span", { class: "images" }, images(info)), "images"],
        ])),
        h("section", { class: "card" }, h("h2", {}, "Revisions"),
          byRevision.length ? byRevision.map((rs) => replicaSetBlock(rs, rollback)) : h("div", { class: "empty" }, "no ReplicaSets yet")),
        experimentsCard(info),
        analysisCard(info)),
      h("div", { class: "side" }, stepsCard(info))));
  document.title = `${info.objectMeta.name} · Rollouts`;
}

function showRollout(namespace, name) {
  selectNamespace(namespace);
  document.getElementById("main").replaceChildren(h("div", { class: "empty" }, "loading…"));
  watch(`/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/info/watch`, (event) => {
    if (event.type === "DELETED") {
      document.getElementById("main").replaceChildren(h("div", { class: "empty" }, `rollout ${name} was deleted`));
    } else {
      renderRollout(event.rolloutInfo);
    }
  });
}

function rolloutCard(info) {
  const ns = info.objectMeta.namespace;
  const name = info.objectMeta.name;
  return h("a", { class: "card", href: `/rollouts/rollout/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`, "data-nav": true, "data-rollout": name },
    h("div", { class: "card-title" }, icon(info.icon, info.status), name),
    kv([["Status", info.status], ["Strategy", info.strategy], ["Step", info.step || "-"],
        ["Weight", info.strategy === "Canary" ? `${info.setWeight} set, ${info.actualWeight} actual` : "-"],
        ["Ready", `${info.ready}/${info.desired}`], ["Images", h("span", { class: "images" }, images(info))]]));
}

function showList(namespace) {
  selectNamespace(namespace);
  document.title = "Rollouts";
  const rollouts = new Map();
  const draw = () => {
    const main = document.getElementById("main");
    const cards = [...rollouts.values()].sort((a, b) => a.objectMeta.name.localeCompare(b.objectMeta.name)).map(rolloutCard);
    main.replaceChildren(cards.length ? h("div", { class: "grid" }, cards) : h("div", { class: "empty" }, `No rollouts in namespace ${namespace}.`));
  };
  draw();
  const source = watch(`/rollouts/${encodeURIComponent(namespace)}/info/watch`, (event) => {
    if (event.type === "DELETED") rollouts.delete(event.rolloutInfo.objectMeta.name);
    else rollouts.set(event.rolloutInfo.objectMeta.name, event.rolloutInfo);
    draw();
  });
  // a reconnect replays every rollout as ADDED: start from empty
  source.addEventListener("open", () => { rollouts.clear(); draw(); });
}

// -- routing ----------------------------------------------------------------------------------

let defaultNamespace = "default";

function selectNamespace(namespace) {
  const select = document.getElementById("namespace");
  if (![...select.options].some((o) => o.value === namespace)) select.append(h("option", { value: namespace }, namespace));
  select.value = namespace;
}

function route() {
  const parts = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "rollouts" && parts[1] === "rollout" && parts.length === 4) {
    showRollout(parts[2], parts[3]);
  } else {
    showList(new URLSearchParams(location.search).get("namespace") || defaultNamespace);
  }
}

function navigate(href) {
  history.pushState(null, "", href);
  route();
}

async function start() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-nav]");
    if (link && !event.ctrlKey && !event.metaKey && event.button === 0) {
      event.preventDefault();
      navigate(link.getAttribute("href"));
    }
  });
  window.addEventListener("popstate", route);
  document.getElementById("namespace").addEventListener("change", (event) => navigate(`/rollouts?namespace=${encodeURIComponent(event.target.value)}`));
  try {
    const [ns, version] = await Promise.all([getJSON("/namespace"), getJSON("/version")]);
    defaultNamespace = ns.namespace;
    for (const name of ns.availableNamespaces) selectNamespace(name);
    document.getElementById("version").textContent = `rollouts ${version.rolloutsVersion}`;
  } catch (err) {
    toast(`cannot reach the dashboard's API: ${err.message}`, true);
  }
  route();
}

document.addEventListener("DOMContentLoaded", start);
