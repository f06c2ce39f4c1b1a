() => {
  // A presentation clicker's keys. While a lesson is open (its ▶ on screen, ui/lesson_panel.py): PageDown / N
  // next slide, PageUp / P previous slide, on whichever tab the slide shows. On the Probabilities tab:
  // → (and PageDown outside a lesson) next step, G greedy step, ← (and PageUp outside a lesson) undo, R reset;
  // with a room open (ui/room_panel.py): V reveals the votes, C takes the room's choice.
  // Typing in a text field or moving a slider is left alone; outside presentation mode, ← / → in a wide step
  // table that has the keyboard's focus scroll it (a keyboard user reads its right-hand columns).
  if (window.__greentextKeys) return;
  window.__greentextKeys = true;
  const buttons = { ArrowRight: "p-sample", PageDown: "p-sample", g: "p-greedy", G: "p-greedy",
                    ArrowLeft: "p-undo", PageUp: "p-undo", r: "p-reset", R: "p-reset",
                    v: "p-room-reveal", V: "p-room-reveal", c: "p-room-take", C: "p-room-take" };
  const slides = { PageDown: "gt-lesson-next", n: "gt-lesson-next", N: "gt-lesson-next",
                   PageUp: "gt-lesson-prev", p: "gt-lesson-prev", P: "gt-lesson-prev" };
  const shown = (cls) => [...document.getElementsByClassName(cls)].find((b) => b.offsetParent !== null);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target || {};
    const tag = (target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return;
    if (tag === "input" && target.type !== "checkbox") return;
    const scrolls = target.classList && target.classList.contains("cands-scroll") &&
                    target.scrollWidth > target.clientWidth && !document.body.classList.contains("present");
    if (scrolls && (event.key === "ArrowLeft" || event.key === "ArrowRight")) return;  // the browser scrolls it
    const lesson = slides[event.key] && shown(slides[event.key]);
    if (lesson) {  // a lesson is open: the slide moves (at its first or last slide the button is off: nothing)
      event.preventDefault();
      if (!lesson.disabled) lesson.click();
      return;
    }
    const id = buttons[event.key];
    const slide = document.getElementById("p-slide");
    if (!id || !slide || slide.offsetParent === null) return;  // only while the Probabilities tab shows
    const button = document.getElementById(id);
    // (the step buttons fold away in presentation mode and still work; the room's show only with a room open)
    if (!button || (id.startsWith("p-room-") && button.offsetParent === null)) return;
    event.preventDefault();
    button.click();
  });
}
