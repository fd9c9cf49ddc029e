// Signet UI: dialogs, copy-to-clipboard and confirmations. Everything works
// without this file too (links fall back to server-rendered dialogs); it
// only adds modality, focus management and convenience.
"use strict";

(function () {
  var lastOpener = null;

  function openDialog(d, opener) {
    if (!d) return;
    lastOpener = opener || document.activeElement;
    if (typeof d.showModal === "function") {
      // The server renders dialogs it wants shown with "open", so they
      // show without JavaScript too; reopen them as modal.
      if (d.open) d.close();
      d.showModal();
    } else {
      d.setAttribute("open", "");
    }
    // Focus the field with an error, else the first field, else the dialog.
    var target = d.querySelector("[aria-invalid=true]");
    target = target || (d.querySelector("[role=alert]") ? d.querySelector("input:not([type=hidden]):not([readonly]), select") : null);
    target = target || d.querySelector("[autofocus], input:not([type=hidden]), select, textarea, button");
    if (d.id === "show-key") target = d.querySelector("[data-copy]");
    if (target) target.focus();
  }

  function closeDialog(d) {
    if (!d) return;
    if (typeof d.close === "function") d.close(); else d.removeAttribute("open");
    if (lastOpener && document.body.contains(lastOpener)) lastOpener.focus();
  }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-open-dialog]");
    if (el) {
      var d = document.getElementById(el.getAttribute("data-open-dialog"));
      if (d) {
        ev.preventDefault();
        var menu = el.closest("details");
        if (menu) menu.open = false;
        openDialog(d, menu ? menu.querySelector("summary") : el);
      }
      return;
    }
    el = ev.target.closest("[data-close]");
    if (el) {
      ev.preventDefault();
      closeDialog(el.closest("dialog"));
      return;
    }
    el = ev.target.closest("[data-done-link]");
    if (el) {
      // Done: close the dialog and replace this page (the response to the
      // form that created the key) so that neither reload nor Back shows
      // the key again.
      ev.preventDefault();
      var d2 = el.closest("dialog");
      var input = d2 && d2.querySelector("[data-secret]");
      if (input) input.value = "";
      closeDialog(d2);
      window.location.replace(el.getAttribute("data-href") || el.getAttribute("href"));
      return;
    }
    el = ev.target.closest("[data-copy]");
    if (el) {
      ev.preventDefault();
      copyFrom(el);
      return;
    }
    el = ev.target.closest("[data-add-row]");
    if (el) {
      // Another row like the last (a role, a group mapping), empty.
      var rows = el.parentNode.querySelectorAll("[data-grant-row], [data-mapping-row]");
      if (rows.length) {
        var clone = rows[rows.length - 1].cloneNode(true);
        clone.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
        clone.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        clone.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); i.removeAttribute("aria-describedby"); });
        el.parentNode.insertBefore(clone, el);
        clone.querySelector("input, select").focus();
      }
    }
  });

  // The key dialog cannot be dismissed with Escape by accident: Done is
  // the way out, so the page is replaced as above.
  document.addEventListener("cancel", function (ev) {
    if (ev.target.id === "show-key") ev.preventDefault();
  }, true);

  function copyFrom(button) {
    var src = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!src) return;
    var text = src.value;
    function done(ok) {
      button.setAttribute("data-copied", ok ? "true" : "false");
      if (status) status.textContent = ok ? "Copied to the clipboard." : "Copy failed: select it and copy it by hand.";
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(legacyCopy(src)); });
    } else {
      done(legacyCopy(src));
    }
  }

  function legacyCopy(src) {
    src.focus();
    src.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  // Confirmations (issue 17): a destructive action asks in an in-page
  // dialog that names its consequence, with Cancel focused. A link with
  // data-confirm (which leads, without JavaScript, to a confirmation page)
  // posts to data-confirm-action from the dialog's own form; a form with
  // data-confirm is submitted as it is once confirmed. data-confirm-name
  // asks for a name to be typed first (checked by the server too).
  var pendingForm = null;

  function askConfirm(el, form) {
    var d = document.getElementById("confirm-dialog");
    if (!d) return false;
    var f = d.querySelector("form");
    pendingForm = form;
    d.querySelector("#confirm-title").textContent = el.getAttribute("data-confirm-title") || "Are you sure?";
    d.querySelector("#confirm-text").textContent = el.getAttribute("data-confirm");
    var ok = d.querySelector("#confirm-ok");
    ok.textContent = el.getAttribute("data-confirm-button") || "Confirm";
    f.setAttribute("action", form ? form.getAttribute("action") : el.getAttribute("data-confirm-action"));
    var back = f.querySelector("input[name=back]");
    back.value = el.getAttribute("data-confirm-back") || "";
    back.disabled = !back.value;
    var box = d.querySelector("[data-confirm-name-box]");
    var name = el.getAttribute("data-confirm-name");
    var input = box.querySelector("input");
    input.value = "";
    box.hidden = !name;
    input.disabled = !name;
    input.required = !!name;
    box.querySelector("[data-confirm-name-show]").textContent = name || "";
    ok.disabled = !!name;
    input.oninput = function () { ok.disabled = input.value.trim() !== name; };
    openDialog(d, el);
    d.querySelector("#confirm-cancel").focus();
    return true;
  }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("a[data-confirm]");
    if (el && askConfirm(el, null)) ev.preventDefault();
  });

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.id === "confirm-form" && pendingForm) {
      // Confirmed: submit the form that asked (submit() fires no event).
      ev.preventDefault();
      var target = pendingForm;
      pendingForm = null;
      closeDialog(document.getElementById("confirm-dialog"));
      target.submit();
      return;
    }
    if (f.getAttribute("data-confirm") && askConfirm(f, f)) ev.preventDefault();
  });

  // The Create ▾ menu: aria-expanded follows it; it closes on a click
  // outside and on Escape; arrow keys move between its items.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (m) {
      if (m !== except) m.open = false;
    });
  }
  document.addEventListener("click", function (ev) {
    closeMenus(ev.target.closest("details.menu"));
  });
  document.addEventListener("toggle", function (ev) {
    var m = ev.target;
    if (!m.matches || !m.matches("details.menu")) return;
    var s = m.querySelector("summary");
    if (s) s.setAttribute("aria-expanded", m.open ? "true" : "false");
  }, true);

  // A page that showed a new key forgets it when left, so that the
  // back-forward cache cannot bring it back.
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("[data-secret]").forEach(function (el) { el.value = ""; el.textContent = ""; });
    var d = document.getElementById("show-key");
    if (d) d.remove();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var auto = document.querySelectorAll("dialog[data-autoopen]");
    // The key dialog wins if several are marked.
    var d = document.getElementById("show-key") || auto[0];
    if (d) openDialog(d);
    // Menus close on Escape and return focus to their button.
    document.querySelectorAll("details.menu").forEach(function (m) {
      m.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape" && m.open) { m.open = false; m.querySelector("summary").focus(); return; }
        if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
        var items = Array.prototype.slice.call(m.querySelectorAll("[role=menuitem]"));
        if (!items.length) return;
        ev.preventDefault();
        if (!m.open) m.open = true;
        var i = items.indexOf(document.activeElement);
        i = ev.key === "ArrowDown" ? (i + 1) % items.length : (i <= 0 ? items.length - 1 : i - 1);
        items[i].focus();
      });
    });
    // "Add a role" and "Add a mapping" need this file: show them, and
    // hide what is said instead without JavaScript.
    document.querySelectorAll("[data-add-row]").forEach(function (b) { b.hidden = false; });
    document.querySelectorAll("[data-no-js-hint]").forEach(function (p) { p.hidden = true; });
    // A page re-rendered with an error puts the cursor in the field.
    if (!d) {
      var bad = document.querySelector("main [aria-invalid=true]");
      if (bad) bad.focus();
    }
  });
})();
