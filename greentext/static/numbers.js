() => {
  // Number boxes in the page's language. Chromium draws an <input type=number> with a dot whatever the
  // page's language: "0.8" in the temperature slider's box beside a preset that says "T 0,8". On a
  // Portuguese page each box that holds a decimal shows it with a comma, in a label laid over the box;
  // while the box has the focus (being typed in) the label steps aside and the box itself shows. The
  // value the box holds, and sends, is never changed.
  if (window.__greentextNumbers) return;
  window.__greentextNumbers = true;
  if (!(navigator.language || "").toLowerCase().startsWith("pt")) return;
  const value = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
  const dress = (input) => {
    if (input.dataset.gtNumber) return;
    input.dataset.gtNumber = "1";
    const label = document.createElement("span");
    label.className = "gt-number";
    label.setAttribute("aria-hidden", "true");  // a screen reader reads the box itself
    input.insertAdjacentElement("afterend", label);
    const parent = input.parentElement;
    if (getComputedStyle(parent).position === "static") parent.style.position = "relative";
    const show = () => {
      const style = getComputedStyle(input);
      label.textContent = value.get.call(input).replace(".", ",");
      Object.assign(label.style, {left: input.offsetLeft + "px", top: input.offsetTop + "px",
        width: input.offsetWidth + "px", height: input.offsetHeight + "px", font: style.font,
        paddingLeft: style.paddingLeft, paddingRight: style.paddingRight, textAlign: style.textAlign,
        justifyContent: style.textAlign === "right" ? "flex-end" : style.textAlign === "center" ? "center" : "flex-start"});
    };
    // gradio writes the box's value as a property (a slider dragged, a preset, a link): show each write
    Object.defineProperty(input, "value", {configurable: true, get() { return value.get.call(this); },
                                           set(v) { value.set.call(this, v); show(); }});
    input.addEventListener("input", show);
    input.addEventListener("blur", show);
    new ResizeObserver(show).observe(input);
    show();
  };
  const scan = () => document.querySelectorAll("input[type=number]:not([data-gt-number])").forEach(dress);
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true});
  scan();
}
