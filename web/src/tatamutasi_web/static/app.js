// TataMutasi console: small progressive enhancements (the pages work without them).
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Forms with data-swap="#id": submit in the background, show upload progress in the
  // form's <progress>, then swap #id with the same element from the answered page.
  function swapForm(form) {
    form.addEventListener("submit", (ev) => {
      const submitter = ev.submitter;
      ev.preventDefault();
      const data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
      const bar = form.querySelector("progress");
      const target = document.querySelector(form.dataset.swap);
      const xhr = new XMLHttpRequest();
      // getAttribute: a control named "action" would shadow form.action
      xhr.open(form.getAttribute("method") || "POST", form.getAttribute("action") || location.pathname);
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      if (bar) { bar.hidden = false; bar.value = 0; }
      xhr.upload.onprogress = (e) => { if (bar && e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 90); };
      xhr.onload = () => {
        if (bar) bar.value = 100;
        const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const fresh = doc.querySelector(form.dataset.swap);
        if (fresh && target) {
          target.replaceWith(fresh);
          fresh.querySelectorAll("form[data-swap]").forEach(swapForm);
          const focus = fresh.querySelector("[data-focus]") || fresh;
          if (focus.focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = () => { form.submit(); };
      xhr.send(data);
    });
  }

  // A computation in progress: poll its status and reload the page when it is done.
  function pollPlan(el) {
    const bar = el.querySelector("progress");
    const label = el.querySelector("[data-label]");
    const tick = async () => {
      try {
        const r = await fetch(el.dataset.planStatus, { headers: { Accept: "application/json" } });
        const s = await r.json();
        if (bar) bar.value = s.progress || 0;
        if (label) label.textContent = (s.progress || 0) + "%";
        if (s.status === "done" || s.status === "failed") { location.reload(); return; }
      } catch (e) { /* try again */ }
      setTimeout(tick, 400);
    };
    tick();
  }

  // The dashboard: refresh every tile every 5 seconds.
  function liveDashboard(el) {
    const tick = async () => {
      try {
        const r = await fetch(el.dataset.dashboard, { headers: { Accept: "application/json" } });
        if (r.ok) {
          const d = await r.json();
          el.querySelectorAll("[data-field]").forEach((n) => {
            const v = d.text[n.dataset.field];
            if (v !== undefined) n.textContent = v;
          });
          const u = el.querySelector("[data-updated]");
          if (u) u.textContent = d.updated;
          const tr = el.querySelector("[data-trend]");
          if (tr && d.trend_svg) tr.innerHTML = d.trend_svg;
          const ps = el.querySelector("[data-proposals]");
          if (ps && d.proposals) {
            ps.textContent = Object.entries(d.proposals).map(([k, v]) => k + ": " + v).join(" · ") || "–";
          }
          el.setAttribute("data-ticks", String(Number(el.getAttribute("data-ticks") || "0") + 1));
        }
      } catch (e) { /* keep polling */ }
      setTimeout(tick, Number(el.dataset.interval || 5000));
    };
    setTimeout(tick, Number(el.dataset.interval || 5000));
  }

  // A SIASN sync job: poll its progress.
  function pollJob(el) {
    const bar = el.querySelector("progress");
    const label = el.querySelector("[data-label]");
    const tick = async () => {
      try {
        const r = await fetch(el.dataset.job);
        const s = await r.json();
        const done = s.processed ?? s.done ?? 0, total = s.total ?? 0;
        const pct = s.progress ?? (total ? Math.round((done / total) * 100) : 0);
        if (bar) bar.value = pct;
        if (label) label.textContent = (s.status || "") + " " + pct + "%";
        if (["completed", "stopped", "interrupted", "failed"].includes(s.status)) return;
      } catch (e) { /* again */ }
      setTimeout(tick, 700);
    };
    tick();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-swap]").forEach(swapForm);
    document.querySelectorAll("[data-plan-status]").forEach(pollPlan);
    document.querySelectorAll("[data-dashboard]").forEach(liveDashboard);
    document.querySelectorAll("[data-job]").forEach(pollJob);
    document.querySelectorAll("[data-select-all]").forEach((box) => {
      box.addEventListener("change", () => {
        document.querySelectorAll(box.dataset.selectAll).forEach((c) => { c.checked = box.checked; });
      });
    });
    document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
    document.querySelectorAll("select[data-autosubmit]").forEach((s) =>
      s.addEventListener("change", () => s.form.submit()));
  });
})();
