(on) => {
  // Generate tab: colouring by rank is the page's CSS class `rank-colour` (app.css); switching it needs no
  // server call (the last story is drawn again, in the browser).
  document.body.classList.toggle('rank-colour', on);
  // The keyboard (issue 22): while colouring is on, one token of the story is a Tab stop (the first, or the
  // one last moved to) and ← → (Home, End) move from token to token, each showing its numbers as on hover.
  // Gradio redraws the story in place on every update, its tabindex="-1" back: an observer sets it again.
  const story = document.getElementById('g-output');
  if (!story) return on;
  const tokens = () => [...story.querySelectorAll('.greentext.ranked .rk')].filter((t) => t.offsetParent !== null);
  const roving = () => {
    const all = [...story.querySelectorAll('.greentext.ranked .rk')];
    const colour = document.body.classList.contains('rank-colour');
    const shown = colour ? tokens() : [];
    const stop = shown.includes(document.activeElement) ? document.activeElement
      : shown.find((t) => t.dataset.stop === '1') || shown[0];
    for (const t of all) {
      const want = t === stop ? '0' : '-1';
      if (t.getAttribute('tabindex') !== want) t.setAttribute('tabindex', want);
    }
  };
  if (!story.__gtRoving) {
    story.__gtRoving = true;
    new MutationObserver(roving).observe(story, { subtree: true, childList: true, attributes: true,
                                                  attributeFilter: ['tabindex'] });
    story.addEventListener('keydown', (event) => {
      const token = event.target.closest && event.target.closest('.rk');
      if (!token || !document.body.classList.contains('rank-colour')) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const list = tokens();
      const i = list.indexOf(token);
      const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0,
                   End: list.length - 1 }[event.key];
      if (to === undefined || i < 0) return;
      event.preventDefault();
      const next = list[Math.max(0, Math.min(list.length - 1, to))];
      for (const t of list) delete t.dataset.stop;
      next.dataset.stop = '1';
      next.focus();
      roving();
    });
  }
  roving();
  return on;
}
