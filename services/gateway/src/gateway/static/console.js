// The console's little behaviour: grid selection, the activity panel following it, copy
// buttons, option menus and the share job's progress bar. Every page works without it.
"use strict";

(function () {
  const grid = document.querySelector("[data-grid]");
  const panel = document.querySelector("[data-panel]");
  let anchor = null;

  function boxes() {
    return Array.from(grid.querySelectorAll('input[name="t"]'));
  }

  // Click selects one track, Shift-click the range from the last one clicked, Cmd/Ctrl-click
  // adds or removes one; Space on a focused track adds or removes it (the checkbox itself).
  function select(event) {
    const tile = event.target.closest("[data-tile]");
    if (!tile || event.target.matches("input")) return;
    event.preventDefault();
    const all = boxes();
    const box = tile.querySelector("input");
    const index = all.indexOf(box);
    if (event.shiftKey && anchor !== null) {
      const [from, to] = [Math.min(anchor, index), Math.max(anchor, index)];
      all.forEach((b, i) => { if (i >= from && i <= to) b.checked = true; else if (!(event.metaKey || event.ctrlKey)) b.checked = false; });
    } else if (event.metaKey || event.ctrlKey) {
      box.checked = !box.checked;
      anchor = index;
    } else {
      const only = box.checked && all.filter((b) => b.checked).length === 1;
      all.forEach((b) => { b.checked = false; });
      box.checked = !only;
      anchor = index;
    }
    box.focus();
    refreshPanel();
  }

  async function refreshPanel() {
    const query = new URLSearchParams(boxes().filter((b) => b.checked).map((b) => ["t", b.value]));
    history.replaceState(null, "", "/console" + (query.size ? "?" + query : ""));
    const answer = await fetch("/console/panel?" + query, { credentials: "same-origin" });
    if (answer.ok) panel.innerHTML = await answer.text();
  }

  if (grid && panel) {
    grid.addEventListener("click", select);
    grid.addEventListener("change", (event) => {
      if (event.target.matches('input[name="t"]')) { anchor = boxes().indexOf(event.target); refreshPanel(); }
    });
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      done();
    } catch (error) {
      const field = document.getElementById("share-url");
      if (field) { field.select(); document.execCommand("copy"); done(); }
    }
  });

  // One options menu open at a time; Escape closes it.
  document.addEventListener("toggle", (event) => {
    if (!event.target.matches("details.menu") || !event.target.open) return;
    document.querySelectorAll("details.menu[open]").forEach((menu) => { if (menu !== event.target) menu.open = false; });
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach((menu) => { menu.open = false; menu.querySelector("summary").focus(); });
  });

  const job = document.querySelector("[data-job]");
  async function follow() {
    const answer = await fetch(job.dataset.job, { credentials: "same-origin" });
    if (!answer.ok) return;
    const state = await answer.json();
    const bar = job.querySelector("progress");
    const finished = state.done + state.failed;
    bar.max = state.total || 1;
    bar.value = finished;
    job.querySelector("[data-job-status]").textContent =
      `${finished} of ${state.total} tracks · ${state.state}` + (state.failed ? ` · ${state.failed} failed` : "");
    if (state.state === "running") setTimeout(follow, 700);
  }
  if (job) follow();
})();
