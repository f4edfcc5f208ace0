/* coded-events compare: draws the report's chart (reference events found and missed, by
 * month). The spec, with its data, is inlined in the page (file:// forbids fetch); it is
 * compiled here by Vega-Lite and drawn by Vega. Everything else on the page is plain HTML.
 * When the chart has rendered, <html data-ready="true"> is set (tests wait for it). */
(function () {
  "use strict";
  async function start() {
    const spec = JSON.parse(document.getElementById("compare-spec").textContent);
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {
      renderer: "svg", container: "#timeline", hover: true,
    });
    await view.runAsync();
    window.compareView = view;
    document.documentElement.dataset.ready = "true";
  }
  start().catch((error) => {
    console.error(error);
    const box = document.getElementById("error");
    box.textContent = `The chart failed: ${error}`;
    box.hidden = false;
    document.documentElement.dataset.ready = "error";
  });
})();
