(...args) => {
  // Attention tab: the events' fifth input is projector mode, read from the page as the event starts (the
  // sixth, the head view's window, stays as it is).
  return [...args.slice(0, 4), document.body.classList.contains('big'), ...args.slice(5)];
}
