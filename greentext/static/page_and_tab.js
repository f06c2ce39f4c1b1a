() => {
  // The Share button: the page's own address and the tab on screen, for the server to build the link from.
  const selected = document.querySelector('button[role="tab"][aria-selected="true"][data-tab-id]');
  return [window.location.href, selected ? selected.dataset.tabId : 'generate'];
}
