// Loaded just before RequireJS and the widget manager (embed-amd.js), which
// tools/fetch_assets.sh copies beside this file into _static/fetched/widgets/.
(function () {
  "use strict";
  var here = new URL(".", document.currentScript.src).href.replace(/\/$/, "");

  // 1. The manager's stylesheet asks for its icon fonts relative to the URL
  //    RequireJS gives its module, by default under the page's folder (where
  //    a CDN would have them). RequireJS reads a global `require` object as
  //    its configuration: map that module to this folder, where the fonts are.
  window.require = {
    paths: { "@jupyter-widgets/html-manager/dist": here }
  };

  // 2. ipywidgets 8 typesets widget labels through the MathJax 2 call
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book loads
  //    MathJax 3, which has no Hub. Forward the call to MathJax 3.
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || !mathjax.startup || mathjax.Hub) {
      return;
    }
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            mathjax.startup.promise.then(function () {
              return mathjax.typesetPromise([job[2]]);
            });
          }
        });
      }
    };
  });
})();
