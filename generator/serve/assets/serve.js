// nianbao serve: the index (sorting, upload) and the report page (findings panel, cell
// highlights, live reload by Server-Sent Events).  Text from the data is only ever set with
// textContent, never as HTML.
"use strict";
(function () {
  const body = document.body;

  function listen(url, onUpdate) {
    if (!window.EventSource) return;
    const source = new EventSource(url);
    source.addEventListener("update", (e) => onUpdate(JSON.parse(e.data)));
    window.addEventListener("pagehide", () => source.close());
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- index ---------------------------------------------------------------------------
  function initIndex() {
    initSort(document.getElementById("reports"));
    initUpload();
    const shown = Number(body.dataset.version);
    listen(body.dataset.events, (msg) => {
      if (msg.version !== shown && !body.dataset.uploading) location.reload();
    });
  }

  function initSort(table) {
    if (!table) return;
    const heads = Array.from(table.tHead.rows[0].cells);
    const sortBy = (i, dir) => {
      const type = heads[i].dataset.type;
      const rows = Array.from(table.tBodies[0].rows);
      const value = (row) => row.cells[i].dataset.value || "";
      rows.sort((a, b) => {
        const x = value(a), y = value(b);
        const c = type === "num" ? (Number(x || -1) - Number(y || -1))
          : x.localeCompare(y, "zh-Hans-CN");
        return dir === "ascending" ? c : -c;
      });
      rows.forEach((row) => table.tBodies[0].appendChild(row));
      heads.forEach((th) => th.removeAttribute("aria-sort"));
      heads[i].setAttribute("aria-sort", dir);
      sessionStorage.setItem("nianbao-sort", JSON.stringify([i, dir]));
    };
    heads.forEach((th, i) => th.querySelector("button").addEventListener("click", () => {
      sortBy(i, th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending");
    }));
    const kept = JSON.parse(sessionStorage.getItem("nianbao-sort") || "null");
    if (kept && heads[kept[0]]) sortBy(kept[0], kept[1]);
  }

  function initUpload() {
    const drop = document.getElementById("drop");
    const pick = document.getElementById("pick");
    const status = document.getElementById("upload-status");
    const maxBytes = Number(drop.dataset.maxMb) * 1024 * 1024;
    ["dragenter", "dragover"].forEach((t) => document.addEventListener(t, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    }));
    document.addEventListener("dragleave", () => drop.classList.remove("over"));
    document.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) upload(file);
    });
    pick.addEventListener("change", () => { if (pick.files[0]) upload(pick.files[0]); });

    async function upload(file) {
      if (!/\.(xlsx|ya?ml)$/i.test(file.name)) {
        status.textContent = "只能预览 .xlsx 工作簿或 .yaml 数据文件：“" + file.name + "”不是";
        return;
      }
      if (file.size > maxBytes) {
        status.textContent = "文件超过 " + drop.dataset.maxMb + " MB，不像是年报数据文件";
        return;
      }
      status.textContent = "正在上传 " + file.name + " …";
      body.dataset.uploading = "1";  // a reload of the list must not cut the upload short
      try {
        const resp = await fetch("/upload?name=" + encodeURIComponent(file.name), {
          method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" },
        });
        const data = await resp.json().catch(() => ({}));
        if (!resp.ok) {
          status.textContent = data.message || ("上传失败（" + resp.status + "）");
          delete body.dataset.uploading;
          return;
        }
        location.href = data.url;
      } catch (err) {
        status.textContent = "上传失败：" + err;
        delete body.dataset.uploading;
      }
    }
  }

  // ---- report page -----------------------------------------------------------------------
  // The highlight of a finding's cells, given to the report's document as a constructed
  // style sheet (CSSOM, adoptedStyleSheets): no <style> element or style attribute is put
  // into any page, so nothing here needs 'unsafe-inline' under a Content-Security-Policy.
  const FOCUS_CSS = "[data-nb-focus]{outline:3px solid #1d4ed8!important;outline-offset:-3px;" +
    "box-shadow:0 0 0 4px rgba(29,78,216,.35);animation:nb-flash 1.2s ease-out 1}" +
    "@keyframes nb-flash{from{background:#9ec1ff}}";
  const focusSheets = new WeakMap();  // document → its focus sheet

  function initReport() {
    const frame = document.getElementById("report");
    const previewUrl = body.dataset.preview;
    let state = JSON.parse(body.dataset.state);
    let shownRender = frame.getAttribute("src") ? state.render_version : 0;
    let focusKeys = [];
    body.dataset.renderVersion = String(shownRender);
    window.nbSwappedAt = null;
    frame.addEventListener("load", decorate);
    initDownloads();
    show(state);

    let chain = Promise.resolve();
    listen(body.dataset.events, (msg) => {
      chain = chain.then(() => refresh(msg.version)).catch((err) => {
        setStatus("与预览服务的连接中断：" + err);
      });
    });

    async function refresh(version) {
      if (version === state.version) return;
      const resp = await fetch(body.dataset.stateUrl, { cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      state = await resp.json();
      if (state.render_version && state.render_version !== shownRender) {
        await swap(state.render_version);
      }
      show(state);
    }

    async function swap(version) {
      const src = previewUrl + "?v=" + version;
      if (!shownRender) {  // nothing shown yet: load the page into the frame
        await new Promise((done) => {
          frame.addEventListener("load", done, { once: true });
          frame.src = src;
        });
      } else {  // replace the document in place, so the reader keeps their place
        const resp = await fetch(src, { cache: "no-store" });
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        const doc = frame.contentDocument, win = frame.contentWindow;
        // Parsed by the frame's own DOMParser: the new document then belongs to the report's
        // window and its Content-Security-Policy (the report's inline CSS is allowed there).
        // This page's DOMParser would parse it under this page's policy, which refuses
        // inline styles: about 32 "violates CSP" errors in the console at every update.
        const fresh = new win.DOMParser().parseFromString(await resp.text(), "text/html");
        const x = win.scrollX, y = win.scrollY;
        if (fresh.head.innerHTML !== doc.head.innerHTML) {
          doc.replaceChild(doc.importNode(fresh.documentElement, true), doc.documentElement);
        } else {  // same styles: only the body changes, which is faster to lay out
          doc.body.replaceWith(doc.importNode(fresh.body, true));
        }
        win.scrollTo(x, y);
        decorate();
      }
      shownRender = version;
      body.dataset.renderVersion = String(version);
      window.nbSwappedAt = Date.now();
    }

    function decorate() {
      const doc = frame.contentDocument, win = frame.contentWindow;
      if (!doc || !doc.documentElement || !win) return;
      if (!focusSheets.has(doc)) {
        const sheet = new win.CSSStyleSheet();  // of the frame's realm, as adopting requires
        sheet.replaceSync(FOCUS_CSS);
        doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
        focusSheets.set(doc, sheet);
      }
      mark(focusKeys, false);
    }

    // A report with errors downloads as a draft (every page marked): ask first, in the page.
    function initDownloads() {
      const dialog = document.getElementById("draft-confirm");
      const go = document.getElementById("draft-go");
      ["dl-docx", "dl-pdf"].forEach((id) => document.getElementById(id).addEventListener(
        "click", (e) => {
          const link = e.currentTarget;
          if (link.classList.contains("disabled")) {
            e.preventDefault();
            return;
          }
          const errors = state.summary ? state.summary.errors : 0;
          if (!errors) return;
          e.preventDefault();
          document.getElementById("draft-confirm-text").textContent =
            "这份报告还有 " + errors + " 个错误。下载的" + (id === "dl-pdf" ? " PDF" : " DOCX") +
            " 文件是草稿，每页都标有“草稿：本报告存在 " + errors + " 个错误，不得发布”，不能发布。";
          go.href = link.href;
          dialog.showModal();
        }));
      go.addEventListener("click", () => dialog.close("download"));  // the link downloads
      document.getElementById("draft-cancel").addEventListener("click",
        () => dialog.close("cancel"));
    }

    function mark(keys, scroll) {
      const doc = frame.contentDocument;
      if (!doc) return 0;
      doc.querySelectorAll("[data-nb-focus]").forEach((n) => n.removeAttribute("data-nb-focus"));
      let first = null, count = 0;
      keys.forEach((key) => {
        doc.querySelectorAll('td[data-cell="' + CSS.escape(key) + '"]').forEach((cell) => {
          cell.setAttribute("data-nb-focus", "");
          first = first || cell;
          count += 1;
        });
      });
      if (first && scroll) reveal(doc.querySelectorAll("[data-nb-focus]"), first);
      return count;
    }

    // Scroll so that all the cells of a finding are in view when they fit, else the first.
    function reveal(cells, first) {
      const win = frame.contentWindow;
      let top = Infinity, bottom = -Infinity;
      cells.forEach((c) => {
        const r = c.getBoundingClientRect();
        top = Math.min(top, r.top);
        bottom = Math.max(bottom, r.bottom);
      });
      if (bottom - top < win.innerHeight * 0.9) {
        win.scrollTo({ top: win.scrollY + (top + bottom - win.innerHeight) / 2, behavior: "smooth" });
      } else {
        first.scrollIntoView({ block: "center", behavior: "smooth" });
      }
    }

    function choose(item, finding) {
      document.querySelectorAll("#finding-list .finding").forEach((n) => {
        n.classList.remove("active");
        n.setAttribute("aria-pressed", "false");
      });
      item.classList.add("active");
      item.setAttribute("aria-pressed", "true");
      focusKeys = finding.keys;
      if (!mark(focusKeys, true)) {
        setStatus("这条问题不在表格的单元格中" + (finding.where ? "：见 " + finding.where : ""));
      }
    }

    function setStatus(text) {
      document.getElementById("status").textContent = text;
    }

    function show(s) {
      if (s.title) {
        document.getElementById("page-title").textContent = s.title;
        document.title = s.title + " — 年报预览";
      }
      showProblems(s);
      showFindings(s);
      const ready = Boolean(s.render_version);
      ["dl-docx", "dl-pdf"].forEach((id) => {
        const link = document.getElementById(id);
        link.classList.toggle("disabled", !ready);
        link.setAttribute("aria-disabled", String(!ready));
        link.title = !ready ? "文件无法读取，暂不能下载"
          : (s.summary && s.summary.errors ? "报告还有错误：下载的是草稿（下载前会先询问）" : "");
        link.classList.toggle("draft", Boolean(ready && s.summary && s.summary.errors));
      });
      if (!s.problems.length && s.built_ms !== null) {
        setStatus("已更新 " + new Date().toLocaleTimeString("zh-CN") + "（用时 " +
          Math.round(s.built_ms) + " 毫秒）");
      }
    }

    function showProblems(s) {
      const banner = document.getElementById("error-banner");
      const list = document.getElementById("error-list");
      list.replaceChildren();
      banner.hidden = !s.problems.length;
      s.problems.forEach((p) => {
        const li = el("li");
        if (p.where) li.appendChild(el("span", "where", p.where + "："));
        li.appendChild(el("span", "message", p.message));
        list.appendChild(li);
      });
      document.getElementById("error-title").textContent = s.render_version
        ? "文件有误，未能更新预览" : "文件有误，无法显示预览";
      document.getElementById("error-hint").textContent = s.render_version
        ? "下面仍显示上次成功读取的版本。修正后保存，预览会自动恢复。"
        : "修正后保存，预览会自动显示。";
      if (s.problems.length) setStatus(s.present === false ? "文件已不存在" : "文件有误");
    }

    function showFindings(s) {
      const summary = document.getElementById("summary");
      const list = document.getElementById("finding-list");
      list.replaceChildren();
      if (!s.summary) {
        summary.textContent = "尚无检查结果";
        return;
      }
      const n = s.summary;
      summary.textContent = (n.errors || n.warnings || n.infos)
        ? n.errors + " 个错误，" + n.warnings + " 个警告，" + n.infos + " 个提示"
        : "未发现问题";
      summary.className = n.errors ? "errors" : (n.warnings ? "warnings" : "ok");
      s.findings.forEach((f) => {
        const li = el("li", "finding sev-" + f.severity);
        li.tabIndex = 0;
        li.setAttribute("role", "button");
        li.setAttribute("aria-pressed", "false");
        li.dataset.keys = f.keys.join(" ");
        const head = el("p", "head");
        head.appendChild(el("span", "badge", f.severity_zh));
        head.appendChild(el("span", "rule", f.rule));
        li.appendChild(head);
        li.appendChild(el("p", "message", f.message));
        if (f.cells.length) {
          const cells = el("ul", "cells");
          f.cells.forEach((c) => {
            const value = c.value === null ? "空白" : c.value;
            cells.appendChild(el("li", "", c.words + " = " + value +
              (c.source ? "（" + c.source + "）" : "")));
          });
          li.appendChild(cells);
        }
        if (f.where) li.appendChild(el("p", "where", "位置：" + f.where));
        li.addEventListener("click", () => choose(li, f));
        li.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(li, f); }
        });
        if (f.keys.length && f.keys.join(" ") === focusKeys.join(" ")) {
          li.classList.add("active");
        }
        list.appendChild(li);
      });
    }
  }

  if (body.classList.contains("index-page")) initIndex();
  else if (body.classList.contains("report-page")) initReport();
})();
