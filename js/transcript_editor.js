// TranscriptEditor view: one editable row per TR, the current TR highlighted and linked.
import { linkedCursor } from "./lib/linked_cursor.js";
import { clampCursor, formatTime } from "./lib/cursor.js";
import { editedIndices, pasteInto, recordChange, replaceLine, sameLines } from "./lib/transcript_logic.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // textContent, never innerHTML: transcripts are user text.
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "vw-transcript");
  root.tabIndex = 0;
  root.setAttribute("role", "listbox");
  root.setAttribute("aria-label", "Transcript, one line per TR");
  const header = element("div", "vw-transcript-head");
  const title = element("span", "vw-transcript-title", "Transcript");
  const status = element("span", "vw-transcript-status");
  const undoButton = element("button", "vw-undo", "\u21b6 Undo");
  undoButton.type = "button";
  undoButton.title = "Undo the last edit (Ctrl+Z)";
  header.append(title, status, undoButton);
  const list = element("div", "vw-rows");
  const hint = element("div", "vw-transcript-hint");
  root.append(header, list, hint);
  el.append(root);

  const nTr = () => model.get("n_tr");
  let lines = model.get("transcripts").slice();
  let cursor = clampCursor(model.get("cursor"), nTr());
  let rows = [];
  // While editing: { index, input }.
  let editing = null;
  const undoStack = [];

  function paintStatus() {
    const edited = model.get("edited").length;
    status.textContent = `${nTr()} TRs \u00b7 TR ${cursor} \u00b7 ${edited} edited`;
    undoButton.disabled = model.get("read_only") || undoStack.length === 0;
    root.classList.toggle("vw-readonly", model.get("read_only"));
    hint.textContent = model.get("read_only")
      ? "Read only \u00b7 click a row or use \u2191/\u2193 to move"
      : "Click or \u2191/\u2193 to move \u00b7 Enter to edit, Enter to keep, Esc to cancel \u00b7 Ctrl+Z to undo";
    root.dataset.cursor = String(cursor);
  }

  function buildRows() {
    editing = null;
    const edited = new Set(model.get("edited"));
    const tr = model.get("tr");
    rows = lines.map((line, i) => {
      const row = element("div", "vw-row");
      row.dataset.index = String(i);
      row.setAttribute("role", "option");
      const time = element("span", "vw-time", formatTime(i * tr));
      const text = element("span", "vw-text", line);
      const mark = element("span", "vw-mark", edited.has(i) ? "\u25cf" : "");
      if (edited.has(i)) {
        row.classList.add("vw-edited");
        mark.title = "Edited (differs from the original)";
      }
      row.append(time, text, mark);
      return row;
    });
    list.replaceChildren(...rows);
    paintCursor(false);
    paintStatus();
  }

  function paintCursor(scroll) {
    for (const row of list.querySelectorAll(".vw-current")) {
      row.classList.remove("vw-current");
      row.setAttribute("aria-selected", "false");
    }
    const row = rows[cursor];
    if (row) {
      row.classList.add("vw-current");
      row.setAttribute("aria-selected", "true");
      if (scroll) row.scrollIntoView({ block: "nearest" });
    }
    paintStatus();
  }

  // Every cursor change goes through here; linkedCursor keeps model and link in step.
  const sync = linkedCursor(model, (c, origin, changed) => {
    cursor = c;
    // An open edit survives a cursor moved from elsewhere (e.g. the linked video playing):
    // it keeps its own row, and the list does not scroll away from it.
    paintCursor(!editing);
  });
  function applyCursor(value, origin) {
    sync.apply(value, origin);
  }

  // Sets the whole list (and the derived `edited`) in one message, as the Python side expects.
  function setLines(next) {
    if (sameLines(next, lines)) return;
    model.set("edited", editedIndices(model.get("_original"), next));
    model.set("transcripts", next);
    model.save_changes();
  }

  function startEdit() {
    if (editing || model.get("read_only") || !rows[cursor]) return;
    const index = cursor;
    const text = rows[index].querySelector(".vw-text");
    const input = element("input", "vw-edit");
    input.type = "text";
    input.value = lines[index];
    input.setAttribute("aria-label", `Text of TR ${index}`);
    editing = { index, input, text };
    text.replaceWith(input);
    rows[index].classList.add("vw-editing");
    input.focus();
    input.select();
    input.addEventListener("keydown", (event) => {
      // The editor's own keys must not also move the cursor or undo the whole list.
      event.stopPropagation();
      if (event.key === "Enter") commitEdit();
      else if (event.key === "Escape") cancelEdit();
      else return;
      event.preventDefault();
    });
    input.addEventListener("paste", (event) => {
      const pasted = event.clipboardData ? event.clipboardData.getData("text/plain") : null;
      if (pasted === null) return;
      event.preventDefault();
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      const { value, caret } = pasteInto(input.value, start, end, pasted);
      input.value = value;
      input.setSelectionRange(caret, caret);
    });
    // Leaving the row keeps what was typed, like a spreadsheet cell.
    input.addEventListener("blur", () => {
      if (editing && editing.input === input) commitEdit(false);
    });
  }

  function endEdit(refocus) {
    const { index, input, text } = editing;
    editing = null;
    if (input.isConnected) input.replaceWith(text);
    if (rows[index]) rows[index].classList.remove("vw-editing");
    if (refocus) root.focus({ preventScroll: true });
  }

  function commitEdit(refocus = true) {
    if (!editing) return;
    const { index, input } = editing;
    const next = replaceLine(lines, index, input.value);
    endEdit(refocus);
    setLines(next);
  }

  function cancelEdit(refocus = true) {
    if (editing) endEdit(refocus);
  }

  function undo() {
    if (model.get("read_only") || !undoStack.length) return;
    cancelEdit();
    setLines(undoStack[undoStack.length - 1].slice());
  }

  list.addEventListener("click", (event) => {
    if (event.target.closest(".vw-edit")) return;
    const row = event.target.closest(".vw-row");
    if (!row) return;
    applyCursor(Number(row.dataset.index), "click");
    if (!editing) root.focus({ preventScroll: true });
  });
  list.addEventListener("dblclick", (event) => {
    const row = event.target.closest(".vw-row");
    if (row && !event.target.closest(".vw-edit")) startEdit();
  });
  undoButton.addEventListener("click", undo);
  root.addEventListener("keydown", (event) => {
    if (event.target !== root) return;
    const key = event.key;
    if (key === "ArrowUp") applyCursor(cursor - 1, "key");
    else if (key === "ArrowDown") applyCursor(cursor + 1, "key");
    else if (key === "Home") applyCursor(0, "key");
    else if (key === "End") applyCursor(nTr() - 1, "key");
    else if (key === "Enter") startEdit();
    else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && key.toLowerCase() === "z") undo();
    else return;
    event.preventDefault();
  });

  const onModelCursor = () => applyCursor(model.get("cursor"), "model");
  const onTranscripts = () => {
    const next = model.get("transcripts").slice();
    // Every change (an edit here, an undo, Python setting the list) goes through this stack.
    recordChange(undoStack, lines, next);
    lines = next;
    buildRows();
  };
  const onLinkId = () => {
    sync.connect();
  };
  const handlers = [
    ["change:cursor", onModelCursor],
    ["change:transcripts", onTranscripts],
    ["change:edited", buildRows],
    ["change:tr", buildRows],
    ["change:read_only", () => (model.get("read_only") ? cancelEdit(false) : paintStatus())],
    ["change:link_id", onLinkId],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);

  buildRows();
  sync.connect();
  if (rows[cursor]) rows[cursor].scrollIntoView({ block: "nearest" });

  return () => {
    sync.leave();
    for (const [event, handler] of handlers) model.off(event, handler);
  };
}

export default { render };
