// The app's side of a bertviz view (gr.HTML's js_on_load: `element` is the component, `trigger` fires
// its events). The view is a sandboxed page that cannot reach this one: it reports its height, and this
// sets its iframe to it (no scrolling inside a frame); this tells it when projector mode (body.big)
// changes. RESTYLE (set by attention.py) also asks the app to redraw the heatmap at the new size.
if (!element.gtFrames) {
  element.gtFrames = true;
  const MAX_HEIGHT = 100000;  // attention_view.MAX_HEIGHT
  const frame = () => element.querySelector("iframe.gt-bertviz");
  const big = () => document.body.classList.contains("big");
  window.addEventListener("message", function (event) {
    const f = frame(), d = event.data;
    if (!f || event.source !== f.contentWindow || !d || typeof d.gtHeight !== "number" || !isFinite(d.gtHeight)) return;
    f.style.height = Math.max(40, Math.min(MAX_HEIGHT, Math.ceil(d.gtHeight))) + "px";
    if (d.gtBig !== big()) f.contentWindow.postMessage({gtBig: big()}, "*");
  });
  let was = big();
  new MutationObserver(function () {
    if (big() === was) return;
    was = big();
    const f = frame();
    if (f && f.contentWindow) f.contentWindow.postMessage({gtBig: was}, "*");
    if (RESTYLE && document.querySelector("#a-plot .js-plotly-plot")) trigger("projector");
  }).observe(document.body, {attributes: true, attributeFilter: ["class"]});
}
