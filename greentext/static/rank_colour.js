(on) => {
  // Generate tab: colouring by rank is the page's CSS class `rank-colour` (app.css); switching it needs no
  // server call (the last story is drawn again, in the browser).
  document.body.classList.toggle('rank-colour', on);
  return on;
}
