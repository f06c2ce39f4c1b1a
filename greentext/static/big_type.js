(on) => {
  document.body.classList.toggle('big', on);
  setTimeout(() => window.dispatchEvent(new Event('resize')), 50);  // the charts refit their new boxes
  return on;
}
