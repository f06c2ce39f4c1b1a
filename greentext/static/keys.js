() => {
  // A presentation clicker's keys, on the Probabilities tab: → / PageDown next step, G greedy step,
  // ← / PageUp undo, R reset. Typing in a text field or moving a slider is left alone.
  if (window.__greentextKeys) return;
  window.__greentextKeys = true;
  const buttons = { ArrowRight: "p-sample", PageDown: "p-sample", g: "p-greedy", G: "p-greedy",
                    ArrowLeft: "p-undo", PageUp: "p-undo", r: "p-reset", R: "p-reset" };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target || {};
    const tag = (target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return;
    if (tag === "input" && target.type !== "checkbox") return;
    const id = buttons[event.key];
    const slide = document.getElementById("p-slide");
    if (!id || !slide || slide.offsetParent === null) return;  // only while the Probabilities tab shows
    const button = document.getElementById(id);
    if (!button) return;
    event.preventDefault();
    button.click();
  });
}
