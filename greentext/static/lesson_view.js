(view) => {
  // A lesson's slide was just shown (ui/lesson_panel.py): its view, in the browser. "lens": the logit lens under
  // the step table opens (its own event then follows the walk); "attention": the Attention tab draws the slide's
  // text; "compare": the Compare tab scores it under both models. Each through the tab's own button, once the
  // selected tab is on screen.
  const focused = document.activeElement;  // the lesson menu lets go of the keys: the clicker's go to the page
  if (focused && focused.closest && focused.closest("#p-lesson-pick")) focused.blur();
  if (!view) return [];
  // a tab's contents are drawn once it is selected: wait for the button (up to 5 s)
  const click = (id, tries = 50) => { const b = document.getElementById(id);
    if (b) b.click(); else if (tries > 0) setTimeout(() => click(id, tries - 1), 100); };
  const later = (fn) => setTimeout(fn, 60);
  if (view === "lens") {
    const label = document.querySelector("#p-lens > .label-wrap, #p-lens button.label-wrap");
    if (label && !label.classList.contains("open")) later(() => label.click());
  } else if (view === "attention") {
    later(() => click("a-show"));
  } else if (view === "compare") {
    later(() => click("c-score"));
  }
  return [];
}
