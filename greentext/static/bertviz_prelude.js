window.GT = (function () {
  const data = JSON.parse(document.getElementById("gt-data").textContent);
  let settled = false;  // drawn (or failed): until then the frame keeps the height the app computed
  const GT = {lazy: data.lazy, gen: data.gen, params: null, thumbHeight: data.thumbHeight || 1e9, words: data.text};
  function fail(message) {
    const el = document.getElementById("gt-error");
    el.textContent = message; el.style.display = "block";
    settled = true; report();
  }
  async function inflate(b64) {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // q: uint8, for each (matrix) the lower triangle row by row; a matrix becomes n rows of n floats.
  function matrices(q, count, n) {
    const size = n * (n + 1) / 2, out = [];
    for (let m = 0; m < count; m++) {
      const flat = new Float32Array(n * n), rows = [];
      let k = m * size;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) flat[i * n + j] = q[k++] / data.scale;
        rows.push(flat.subarray(i * n, (i + 1) * n));
      }
      out.push(rows);
    }
    return out;
  }
  GT.nonzero = row => { const out = []; row.forEach((w, j) => { if (w > 0) out.push({w: w, j: j}); }); return out; };
  GT.value = (layer, head, i, j) => GT.params.attention[0].attn[data.layers.indexOf(layer)][head][i][j];  // for tests
  GT.boundary = function (svg, top, height, width) {  // a dashed line between the prompt and the generated tokens
    if (data.boundary > 0 && data.boundary < data.labels.length) {
      const y = top + data.boundary * height;
      svg.append("line").attr("x1", 0).attr("x2", width).attr("y1", y).attr("y2", y)
        .attr("stroke", data.genColor).attr("stroke-width", 1.5).attr("stroke-dasharray", "5,4");
    }
  };
  GT.ready = (typeof DecompressionStream === "undefined" ? Promise.reject(new Error(data.text.no_stream))
              : inflate(data.weights)).then(function (q) {
    const layers = [];
    const all = matrices(q, data.layers.length * data.heads, data.labels.length);
    for (let l = 0; l < data.layers.length; l++) layers.push(all.slice(l * data.heads, (l + 1) * data.heads));
    GT.params = Object.assign({attention: [{name: null, attn: layers, left_text: data.labels,
                                            right_text: data.labels}]}, data.params);
  });
  // require.js stand-in: bertviz calls require.config(...) and requirejs(["jquery", "d3"], fn).
  window.require = window.requirejs = function (deps, fn) {
    if (!window.d3 || !window.jQuery) return fail(data.text.no_libs);
    const libs = {d3: window.d3, jquery: window.jQuery};
    GT.ready.then(() => { fn.apply(null, deps.map(d => libs[d])); GT.fit(); document.body.dataset.drawn = "1"; })
      .catch(err => fail(String(err && err.message || err)));
  };
  window.require.config = function () {};

  // Size. The drawing keeps its natural width (the head view, wider than a phone, scrolls sideways in its
  // box); the model view (data.fit) shrinks to a narrower box, so a phone sees every head at once (a tap on
  // a thumbnail draws it large); in projector mode (body.big) a drawing grows to the width it has, by 1 to
  // data.bigZoom.
  GT.fit = function () {
    const vis = document.getElementById("vis"), svg = vis.querySelector("svg");
    if (!svg) return;
    const box = svg.getBBox(), natural = Math.ceil(Math.max(data.width, box.x + box.width + 4));
    svg.style.minWidth = natural + "px";
    const room = document.getElementById("gt-vis").clientWidth;
    const zoom = document.body.classList.contains("big") ? Math.max(1, Math.min(data.bigZoom, room / natural))
      : data.fit ? Math.min(1, room / natural) : 1;
    vis.style.zoom = zoom;
    GT.zoom = zoom;
    settled = true; report();
  };
  // The app's page sizes this frame to the height reported here (so nothing scrolls inside it), and
  // says whether projector mode is on ({gtBig}); the page is the only window that gets or sends these.
  let reported = null;
  function report() {
    if (!settled) return;
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    const big = document.body.classList.contains("big");
    if (reported && reported.height === height && reported.big === big) return;
    reported = {height: height, big: big};
    window.parent.postMessage({gtHeight: height, gtBig: big}, "*");
  }
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || typeof event.data.gtBig !== "boolean") return;
    document.body.classList.toggle("big", event.data.gtBig);
    GT.fit();
    report();
  });
  window.addEventListener("resize", () => GT.fit());
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  return GT;
})();
