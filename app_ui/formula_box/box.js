// The formula box: a labelled text input that sends its text while the user types.
// 200 ms after the last keystroke: longer than the gap between keys of steady typing
// (~100-150 ms), so a word is sent once rather than per letter, and short enough that
// the echo and the chart follow within the 1 s the issue allows (the rerun takes ~0.4 s).
const DEBOUNCE_MS = 200;
const BOXES = new WeakMap();

function build(parentElement) {
  const root = parentElement.querySelector(".formula-box");
  const id = `formula-box-${Math.random().toString(36).slice(2)}`;
  root.innerHTML =
    `<div class="formula-box-head"><label for="${id}"></label><span class="formula-box-help" aria-hidden="true">?</span></div>` +
    `<input id="${id}" type="text" autocomplete="off" spellcheck="false" aria-describedby="${id}-help">` +
    `<span id="${id}-help" class="formula-box-description"></span>`;
  const box = { root, input: root.querySelector("input"), sent: null, timer: null, send: null };
  const flush = () => {
    clearTimeout(box.timer);
    box.timer = null;
    if (box.input.value !== box.sent) {
      box.sent = box.input.value;
      box.send("text", box.sent);
    }
  };
  box.input.addEventListener("input", () => {
    clearTimeout(box.timer);
    box.timer = setTimeout(flush, DEBOUNCE_MS);
  });
  box.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") flush();
  });
  box.input.addEventListener("blur", flush);
  return box;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let box = BOXES.get(parentElement);
  if (!box || !box.root.isConnected) {
    box = build(parentElement);
    BOXES.set(parentElement, box);
  }
  box.send = setTriggerValue;
  box.root.querySelector("label").textContent = data.label;
  // The help as Streamlit shows it: a "?" with a tooltip; readers get it as the description.
  const help = data.help.replaceAll("`", "");
  box.root.querySelector(".formula-box-description").textContent = help;
  box.root.querySelector(".formula-box-help").title = help;
  box.input.placeholder = data.placeholder;
  box.input.maxLength = data.maxLength;
  // The server's text is taken unless the user is typing something newer.
  if (box.timer === null && document.activeElement !== box.input) box.input.value = data.value;
  if (box.sent === null) box.sent = data.value;
  return () => clearTimeout(box.timer);
}
