(on) => {
  // Probabilities tab, presentation mode: the controls fold away and the step fills the screen
  // (app.css, body.present).
  document.body.classList.toggle('present', on);
  setTimeout(() => window.dispatchEvent(new Event('resize')), 50);  // the chart refits
  return on;
}
